"""Company profile, team and verification: the writes. No request, no templates.

Every rule is checked here, with a Spanish message that names it, so a form, an
htmx request and a script all meet the same checks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from portal import links, mail, places, uploads
from portal.accounts.passwords import password_problem
from portal.accounts.rules import email_taken, normalize_email
from portal.audit import audit
from portal.companies import queries
from portal.extensions import db
from portal.models import Company, CompanyMember, User, utcnow
from portal.notifications.services import notify


class CompanyError(ValueError):
    """A rule broken by the data given. `errors` maps form fields to their messages."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors if errors is not None else ({field: message} if field else {})


class NotAllowed(CompanyError):
    """The actor may not do this to this company (the views answer 404)."""


def _active_members(company: Company) -> list[CompanyMember]:
    return queries.members(company, "active")


# --- Profile ------------------------------------------------------------------------------


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
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
LOGO_MIMETYPES = {".png": "image/png", ".jpg": "image/jpeg"}
LOGO_FOLDER = "logos"


def read_logo(stream: BinaryIO) -> tuple[bytes, str]:
    """The logo's bytes and extension, judged by content (magic bytes), never by its name."""
    try:
        content = uploads.read_upload(stream, LOGO_MAX_BYTES, "un logo")
    except uploads.UploadError as error:
        raise CompanyError(str(error), "logo") from None
    for signature, extension in LOGO_SIGNATURES.items():
        if content.startswith(signature):
            return content, extension
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        # An SVG can carry script: served from our domain it would run as us.
        raise CompanyError("No aceptamos logos SVG porque pueden contener código. Sube el logo en PNG o JPG.", "logo")
    raise CompanyError("El logo debe ser una imagen PNG o JPG (revisamos el contenido del archivo, no su nombre).", "logo")


def logo_file(company: Company) -> tuple[Path, str] | None:
    """(path, mimetype) of the company's logo, or None if it has none (or the file is gone)."""
    path = uploads.path_of(company.logo_path) if company.logo_path else None
    if path is None or path.parent.name != LOGO_FOLDER or path.suffix not in LOGO_MIMETYPES or not path.is_file():
        return None
    return path, LOGO_MIMETYPES[path.suffix]


def update_profile(company: Company, actor: User, data: ProfileData, logo: BinaryIO | None = None,
                   remove_logo: bool = False) -> bool:
    """Save the profile, all of it or nothing. Returns whether a rejected company went back
    to the verification queue (editing after a rejection asks for a new review)."""
    if not _is_active_member(company, actor):
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
    for name in PROFILE_FIELDS:
        setattr(company, name, values[name] or None)
    old_logo = company.logo_path
    stored = None
    if new_logo is not None:
        company.logo_path = stored = uploads.store_bytes(new_logo[0], LOGO_FOLDER, new_logo[1])
    elif remove_logo:
        company.logo_path = None
    requeued = company.verification_state == "rejected"
    if requeued:
        company.verification_state = "unverified"
        company.verification_note = None
    # Who changed what stays on record: the RUC anchors the company, its names may change.
    audit("company.profile_updated", company, actor, fields=changed + (["logo"] if company.logo_path != old_logo else []),
          requeued=requeued or None)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.remove_stored(stored)  # the row still points to the old logo, which stays
        raise
    if old_logo and company.logo_path != old_logo:
        uploads.remove_stored(old_logo)
    return requeued


def _is_active_member(company: Company, user: User) -> bool:
    return user.role == "employer" and bool(
        db.session.scalar(
            select(CompanyMember.id).where(
                CompanyMember.company_id == company.id,
                CompanyMember.user_id == user.id,
                CompanyMember.state == "active",
            )
        )
    )


# --- Team: invitations and join requests ----------------------------------------------------

INVITE_SALT = "company-invite"
INVITE_MAX_AGE = 7 * 24 * 3600


def _invite_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)


def invite_max_age() -> int:
    return int(current_app.config.get("COMPANY_INVITE_MAX_AGE", INVITE_MAX_AGE))


@dataclass
class Invitation:
    company: Company
    email: str
    inviter: User | None


def invite(company: Company, actor: User, email: str) -> str:
    """Email a colleague a signed link to join the company; returns the token."""
    if not _is_active_member(company, actor):
        raise NotAllowed("Solo un miembro activo de la empresa puede invitar.")
    email = normalize_email(email)
    existing = queries.user_by_email(email)
    membership = queries.membership_of(existing) if existing else None
    if membership is not None and membership.company_id == company.id:
        if membership.state == "active":
            raise CompanyError(f"{email} ya es parte del equipo de {company.display_name}.", "email")
        raise CompanyError(f"{email} ya pidió unirse: acéptalo en «Solicitudes pendientes».", "email")
    token = _invite_serializer().dumps({"c": company.id, "e": email, "by": actor.id})
    days = invite_max_age() // 86400
    mail.queue(
        email,
        f"{actor.full_name} te invita a {company.display_name} en Enlace CETPRO",
        f"Hola:\n\n{actor.full_name} ({actor.email}) te invita a actuar en nombre de {company.display_name} "
        f"(RUC {company.ruc}) en Enlace CETPRO, el portal de prácticas y empleo de los CETPRO del Perú.\n\n"
        f"Acepta la invitación con este enlace; vale por {days} días y solo para {email}:\n"
        f"{links.external('companies.join', token=token)}\n\n"
        "Si no conoces a esta persona, ignora este correo.\n",
    )
    audit("company.member_invited", company, actor, email=email)
    db.session.commit()
    return token


def read_invitation(token: str) -> Invitation | None:
    """The invitation a link carries, or None if it is forged, expired or its company is gone."""
    try:
        data = _invite_serializer().loads(token, max_age=invite_max_age())
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("e"), str):
        return None
    company = db.session.get(Company, data["c"])
    if company is None:
        return None
    inviter = db.session.get(User, data["by"]) if isinstance(data.get("by"), int) else None
    return Invitation(company=company, email=data["e"], inviter=inviter)


def join_problem(invitation: Invitation, user: User) -> str | None:
    """Why this signed-in account cannot take the invitation, in Spanish, or None."""
    if normalize_email(user.email) != invitation.email:
        return (f"Esta invitación es para {invitation.email} y ingresaste como {user.email}. "
                "Sal e ingresa con la cuenta de ese correo, o pide una invitación para el tuyo.")
    if user.role != "employer":
        return "Esta invitación es para una cuenta de empresa; tu cuenta es de otro tipo."
    membership = queries.membership_of(user)
    if membership is not None and membership.state == "active" and membership.company_id != invitation.company.id:
        return ("Tu cuenta ya actúa por otra empresa, y cada cuenta actúa por una sola. "
                "Para unirte a esta, pide la invitación para otro correo.")
    return None


def join(invitation: Invitation, user: User) -> CompanyMember:
    """Make the invited account an active member (a pending request elsewhere is replaced)."""
    if problem := join_problem(invitation, user):
        raise CompanyError(problem)
    company = invitation.company
    membership = queries.membership_of(user)
    if membership is not None and membership.state == "active":
        return membership  # already in: following the link twice changes nothing
    colleagues = _active_members(company)
    if membership is None:
        membership = CompanyMember(company_id=company.id, user_id=user.id, state="active")
        db.session.add(membership)
    else:
        membership.company_id = company.id
        membership.state = "active"
    for member in colleagues:
        notify(member.user_id, "member-joined",
               f"{user.full_name} ({user.email}) aceptó la invitación y ya es parte de {company.display_name}.",
               links.path("companies.team"))
    try:
        db.session.flush()
    except IntegrityError:
        # The same account joined from another request at the same moment (a double click):
        # one membership per account (a unique key), and this request's answer is theirs.
        db.session.rollback()
        membership = queries.membership_of(user)
        if membership is not None and membership.state == "active" and membership.company_id == company.id:
            return membership
        raise CompanyError("No pudimos unirte a la empresa; vuelve a intentarlo.") from None
    audit("company.member_joined", company, user, member_id=membership.id,
          invited_by=invitation.inviter.id if invitation.inviter else None)
    db.session.commit()
    return membership


def register_and_join(invitation: Invitation, first_names: str, last_names: str, password: str) -> User:
    """Create the invited person's employer account and make it an active member at once."""
    if email_taken(invitation.email):
        raise CompanyError("Ya existe una cuenta con este correo: ingresa con ella para aceptar la invitación.")
    if problem := password_problem(password, invitation.email):
        raise CompanyError(problem, "password")
    # The invitation link came by email to this address: that confirms it.
    user = User(email=invitation.email, role="employer", first_names=first_names.strip(),
                last_names=last_names.strip(), email_confirmed_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same link submitted twice at once
        db.session.rollback()
        raise CompanyError("Ya existe una cuenta con este correo: ingresa con ella para aceptar la invitación.") from None
    audit("employer.registered_by_invitation", user, user, company_id=invitation.company.id)
    join(invitation, user)
    return user


def accept_member(company: Company, actor: User, member: CompanyMember) -> bool:
    """Accept a pending join request. False when someone already handled it (double click)."""
    if not _is_active_member(company, actor):
        raise NotAllowed("Solo un miembro activo de la empresa puede aceptar solicitudes.")
    changed = db.session.execute(
        update(CompanyMember)
        .where(CompanyMember.id == member.id, CompanyMember.company_id == company.id,
               CompanyMember.state == "pending")
        .values(state="active")
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    person = member.user
    notify(person.id, "member-accepted",
           f"{actor.full_name} te aceptó en {company.display_name}. Ya puedes actuar por la empresa.",
           links.path("employers.dashboard"))
    mail.queue(
        person.email,
        f"Ya eres parte de {company.display_name} en Enlace CETPRO",
        f"Hola {person.first_names}:\n\n{actor.full_name} aceptó tu solicitud: ya puedes publicar ofertas y "
        f"ver postulantes de {company.display_name} en Enlace CETPRO.\n"
        f"{links.external('employers.dashboard')}\n",
    )
    audit("company.member_accepted", company, actor, member_id=member.id, user_id=person.id)
    db.session.commit()
    return True


def decline_member(company: Company, actor: User, member: CompanyMember) -> bool:
    """Decline a pending join request: the account stays, without a company."""
    if not _is_active_member(company, actor):
        raise NotAllowed("Solo un miembro activo de la empresa puede rechazar solicitudes.")
    person = member.user
    member_id = member.id
    changed = db.session.execute(
        delete(CompanyMember)
        .where(CompanyMember.id == member_id, CompanyMember.company_id == company.id,
               CompanyMember.state == "pending")
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    notify(person.id, "member-declined",
           f"{company.display_name} no aceptó tu solicitud para unirte. Si crees que es un error, habla con tu empresa.",
           links.path("employers.dashboard"))
    mail.queue(
        person.email,
        f"Tu solicitud para unirte a {company.display_name}",
        f"Hola {person.first_names}:\n\nUn miembro de {company.display_name} no aceptó tu solicitud para actuar "
        "en nombre de la empresa en Enlace CETPRO. Si crees que es un error, habla con tu empresa: pueden "
        "invitarte por correo.\n",
    )
    audit("company.member_declined", company, actor, member_id=member_id, user_id=person.id)
    db.session.commit()
    return True


# --- Verification (DESIGN §3) -----------------------------------------------------------------


def can_verify(company: Company, actor: User, on: date | None = None) -> bool:
    """An admin, or a coordinator whose CETPRO has a convenio in force with the company."""
    if not actor.active:
        return False
    if actor.role == "admin":
        return True
    if actor.role == "coordinator":
        return queries.has_active_convenio(actor.cetpro_id, company.id, on)
    return False


def _decided_by(actor: User) -> str:
    if actor.role == "coordinator" and actor.cetpro is not None:
        return actor.cetpro.name
    return "el equipo de Enlace CETPRO"


def _tell_members(company: Company, kind: str, message: str, subject: str, body: str) -> None:
    for member in _active_members(company):
        notify(member.user_id, kind, message, links.path("employers.dashboard"))
        mail.queue(member.user.email, subject, f"Hola {member.user.first_names}:\n\n{body}")


def verify(company: Company, actor: User, on: date | None = None) -> bool:
    """Mark the company verified. False when it already was (a double click changes nothing)."""
    if not can_verify(company, actor, on):
        raise NotAllowed("No puedes verificar esta empresa.")
    # A conditional UPDATE: two people verifying at once produce one change and one email.
    changed = db.session.execute(
        update(Company)
        .where(Company.id == company.id, Company.verification_state != "verified")
        .values(verification_state="verified", verification_note=None, verified_at=utcnow(),
                verified_by_id=actor.id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    who = _decided_by(actor)
    _tell_members(
        company, "company-verified",
        f"{company.display_name} ya está verificada por {who}. Tus ofertas ya se pueden publicar.",
        f"{company.display_name} ya está verificada en Enlace CETPRO",
        f"{who} verificó a {company.display_name} (RUC {company.ruc}). Desde ahora tus ofertas se pueden "
        f"publicar y muestran la insignia «Verificada».\n{links.external('employers.dashboard')}\n",
    )
    audit("company.verified", company, actor, role=actor.role, cetpro_id=actor.cetpro_id)
    db.session.commit()
    return True


REASON_MAX = 500


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CompanyError("Escribe el motivo del rechazo: la empresa lo leerá para corregir sus datos.", "reason")
    if len(reason) > REASON_MAX:
        raise CompanyError(f"El motivo puede tener hasta {REASON_MAX} caracteres; escribiste {len(reason)}.", "reason")
    return reason


def reject(company: Company, actor: User, reason: str, on: date | None = None) -> bool:
    """Mark the company rejected, with the reason its members will read."""
    if not can_verify(company, actor, on):
        raise NotAllowed("No puedes revisar esta empresa.")
    reason = clean_reason(reason)
    changed = db.session.execute(
        update(Company)
        .where(Company.id == company.id, Company.verification_state != "rejected")
        .values(verification_state="rejected", verification_note=reason, verified_at=None,
                verified_by_id=actor.id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    who = _decided_by(actor)
    _tell_members(
        company, "company-rejected",
        f"{who} no pudo verificar a {company.display_name}. Motivo: {reason}",
        f"{company.display_name} no pudo ser verificada en Enlace CETPRO",
        f"{who} revisó a {company.display_name} (RUC {company.ruc}) y no pudo verificarla.\n\nMotivo: {reason}\n\n"
        "Corrige los datos en el perfil de la empresa: al guardarlos, la empresa vuelve a la cola de "
        f"verificación. Mientras tanto puedes preparar ofertas como borrador.\n{links.external('companies.profile')}\n",
    )
    audit("company.rejected", company, actor, role=actor.role, cetpro_id=actor.cetpro_id, reason=reason)
    db.session.commit()
    return True
