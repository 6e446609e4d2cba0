"""A company's profile and logo: checking and saving them. No request, no templates.

Every rule is checked here, with a Spanish message that names it, so a form, an htmx
request and a script all meet the same checks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from sqlalchemy import delete

from portal import places, uploads
from portal.audit import audit
from portal.clock import utcnow
from portal.companies import queries
from portal.companies.errors import CompanyError, NotAllowed
from portal.extensions import db
from portal.models import Company, CompanyEndorsement, User


@dataclass
class ProfileData:
    legal_name: str
    trade_name: str = ""
    sector: str = ""
    department_code: str = ""
    province_code: str = ""
    district_code: str = ""
    address: str = ""
    website: str = ""
    phone: str = ""
    description: str = ""


PROFILE_FIELDS = ("legal_name", "trade_name", "sector", "department_code", "province_code", "district_code",
                  "address", "website", "phone", "description")
LIMITS = {"legal_name": 200, "trade_name": 200, "sector": 120, "address": 255, "website": 255,
          "description": 3000}


def clean_website(value: str) -> str | None:
    """An http(s) address; a bare domain ("miempresa.pe") gets https:// in front."""
    value = (value or "").strip()
    if not value:
        return None
    if "://" not in value and not value.lower().startswith(("javascript:", "data:", "mailto:")):
        value = "https://" + value
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or "." not in host or " " in value:
        raise CompanyError(
            "La web debe ser una dirección que empiece con http:// o https:// (por ejemplo https://miempresa.pe).",
            "website",
        )
    return value


_PHONE_CHARS = re.compile(r"^\+?[\d\s()-]+$")


def clean_phone(value: str) -> str | None:
    """A landline or mobile number as people write it: 6 to 15 digits, with + ( ) - and spaces."""
    value = " ".join((value or "").split())
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARS.match(value) or not 6 <= len(digits) <= 15:
        raise CompanyError(
            "El teléfono debe tener de 6 a 15 dígitos; puedes usar espacios, guiones, paréntesis y + (ej.: 054 123456 o 987 654 321).",
            "phone",
        )
    if len(value) > 20:
        raise CompanyError("Escribe el teléfono sin tantos espacios: máximo 20 caracteres.", "phone")
    return value


LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 512  # pixels; shown at 96 px, sharp on a 4× screen
LOGO_MIMETYPES = {".png": "image/png", ".jpg": "image/jpeg"}
LOGO_FOLDER = "logos"


def _looks_like_svg(content: bytes) -> bool:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def read_logo(stream: BinaryIO) -> tuple[bytes, str]:
    """The logo to store and its extension: a PNG or JPEG re-encoded from the upload's pixels
    (judged by content, never by name; see uploads.reencode_image), at most 512 px a side."""
    try:
        content = uploads.read_upload(stream, LOGO_MAX_BYTES, "un logo")
        if _looks_like_svg(content):
            # An SVG can carry script: served from our domain it would run as us.
            raise uploads.UploadError("No aceptamos logos SVG porque pueden contener código. "
                                      "Sube el logo en PNG o JPG.")
        return uploads.reencode_image(content, LOGO_MAX_SIDE, "El logo")
    except uploads.UploadError as error:
        raise CompanyError(str(error), "logo") from None


def logo_key(company: Company) -> str | None:
    """The stored key of the company's logo, or None if it has none (or it is not a logo)."""
    key = company.logo_path or ""
    folder, _, name = key.partition("/")
    if folder != LOGO_FOLDER or not name.endswith(tuple(LOGO_MIMETYPES)):
        return None
    return key


# What people read as the company's name and face. The razón social is bound to the RUC:
# changing it asks for a new verification. The nombre comercial and the logo may change
# freely, but the verifier sees every change of them (the audit trail, in the queue).
IDENTITY_FIELDS = ("legal_name", "trade_name")


def update_profile(company: Company, actor: User, data: ProfileData, logo: BinaryIO | None = None,
                   remove_logo: bool = False) -> bool:
    """Save the profile, all of it or nothing. Returns whether the company went back to the
    verification queue: editing after a rejection asks for a new review, and so does a
    verified company changing its razón social (a rename must not keep the badge)."""
    if not queries.is_active_member(company, actor):
        raise NotAllowed("Solo un miembro activo de la empresa puede editar su perfil.")
    errors: dict[str, str] = {}
    values = {name: " ".join(getattr(data, name).split()) for name in ("legal_name", "trade_name", "sector", "address")}
    values["description"] = (data.description or "").strip().replace("\r\n", "\n")
    if not values["legal_name"]:
        errors["legal_name"] = "Ingresa la razón social, como figura en SUNAT."
    for name, limit in LIMITS.items():
        text = values.get(name, getattr(data, name) or "")
        if len(text) > limit:
            errors[name] = f"Máximo {limit} caracteres; escribiste {len(text)}."
    for name, cleaner in (("website", clean_website), ("phone", clean_phone)):
        if name in errors:
            continue
        try:
            values[name] = cleaner(getattr(data, name))
        except CompanyError as error:
            errors.update(error.errors)
    department, province, district = (data.department_code or "", data.province_code or "", data.district_code or "")
    errors.update(places.place_errors(department, province, district))
    new_logo = None
    if logo is not None:
        try:
            new_logo = read_logo(logo)
        except CompanyError as error:
            errors.update(error.errors)
    if errors:
        raise CompanyError("Revisa los datos marcados.", errors=errors)

    values.update(department_code=department, province_code=province, district_code=district)
    changed = [name for name in PROFILE_FIELDS if getattr(company, name) != (values[name] or None)]
    names = {name: [getattr(company, name), values[name] or None] for name in IDENTITY_FIELDS if name in changed}
    for name in PROFILE_FIELDS:
        setattr(company, name, values[name] or None)
    old_logo = company.logo_path
    if new_logo is not None:
        company.logo_path = uploads.store_bytes(new_logo[0], LOGO_FOLDER, new_logo[1])
    elif remove_logo:
        company.logo_path = None
    renamed = "legal_name" in names and company.verification_state == "verified"
    requeued = company.verification_state == "rejected" or renamed
    if requeued:
        company.verification_state = "unverified"
        company.verification_note = None
    if renamed:
        # Its published openings stay up, marked "pendiente de re-verificación" (README).
        # Whoever vouched for it vouched for the old name: the admin's decision and the
        # CETPROs' verifications end; CETPROs' rejections stay on record for the verifier.
        company.verified_at = None
        company.identity_changed_at = utcnow()
        company.decided_by_admin = False
        db.session.execute(delete(CompanyEndorsement).where(CompanyEndorsement.company_id == company.id,
                                                            CompanyEndorsement.state == "verified"))
    # Who changed what stays on record: the RUC anchors the company, its names may change,
    # and the verifier reads the old and the new ones.
    logo_changed = company.logo_path != old_logo
    audit("company.profile_updated", company, actor, fields=changed + (["logo"] if logo_changed else []),
          requeued=requeued or None, reverify=renamed or None, **names)
    if old_logo and logo_changed:
        uploads.remove_stored(old_logo)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()  # the new logo goes with it; the old one stays
        raise
    return requeued


@dataclass
class ReencodeReport:
    reencoded: int = 0
    removed: int = 0  # stored files that were no PNG or JPEG (e.g. a PNG header followed by HTML)
    missing: int = 0  # the row pointed to a file that is gone


def reencode_stored_logos() -> ReencodeReport:
    """Pass every stored logo through the upload's re-encoding (logos stored before it
    existed were checked by their first bytes only). One company at a time, each committed:
    the new file first, then the row, then the old file goes."""
    report = ReencodeReport()
    for company_id in queries.companies_with_logo():
        company = db.session.get(Company, company_id)
        old = company.logo_path
        content = uploads.read_stored(old)
        if content is None:
            report.missing += 1
            continue
        try:
            content, extension = uploads.reencode_image(content, LOGO_MAX_SIDE, "El logo")
        except uploads.UploadError:
            company.logo_path = None
            audit("company.logo_removed", company, None, reason="no es una imagen PNG o JPG que se pueda abrir",
                  path=old)
            uploads.remove_stored(old)
            db.session.commit()
            report.removed += 1
            continue
        company.logo_path = stored = uploads.store_bytes(content, LOGO_FOLDER, extension)
        audit("company.logo_reencoded", company, None, old=old, new=stored)
        uploads.remove_stored(old)
        try:
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        report.reencoded += 1
    return report
