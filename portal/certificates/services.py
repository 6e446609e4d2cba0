"""Certificates: the writes (record, revoke). No request, no templates.

Every rule is checked here with a Spanish message, so the coordinator's form, an htmx
request and any later import meet the same checks. A coordinator acts only on her own
CETPRO's students (`access.students_of`), and a bad input changes nothing.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.access import students_of
from portal.audit import audit
from portal.extensions import db
from portal.models import Certificate, Module, StudentProfile, User

# Crockford-like: no 0/O, 1/I/L, U, so a code read aloud or typed from paper is not mistyped.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 30**10 ≈ 5.9e14 codes: not guessable at any rate the limiter allows
NUMBER_MAX = 40
NUMBER_PATTERN = re.compile(r"^[0-9A-Za-zÑñ][0-9A-Za-zÑñ\-/. ]*$")
REASON_MAX = 500
EARLIEST = date(1980, 1, 1)


class CertificateError(ValueError):
    """A rule broken by the data given. `errors` maps form fields to their messages."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.errors = {field: message} if field else {}


@dataclass(frozen=True)
class CertificateData:
    module_id: int
    number: str
    issued_on: date | None


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(text: str) -> str:
    """A code as typed or scanned: spaces and dashes dropped, upper case, never longer than
    a code can be (what the lookup reads, whatever was asked)."""
    return re.sub(r"[\s\-]", "", text or "").upper()[:16]


def _student(actor: User, student_id: int) -> StudentProfile:
    profile = db.session.scalar(select(StudentProfile).where(StudentProfile.id == student_id,
                                                             students_of(actor.cetpro_id)))
    if actor.role != "coordinator" or profile is None:
        raise CertificateError("Esa persona no es estudiante de tu CETPRO.")
    return profile


def _check(profile: StudentProfile, data: CertificateData) -> tuple[Module, str, date]:
    module = db.session.get(Module, data.module_id) if data.module_id else None
    if module is None:
        raise CertificateError("Elige el módulo formativo que se certifica.", "module_id")
    if module.programme_id != profile.programme_id:
        raise CertificateError("Ese módulo no es del programa de estudios de la persona.", "module_id")
    number = " ".join((data.number or "").split())
    if not number:
        raise CertificateError("Escribe el número de registro del certificado.", "number")
    if len(number) > NUMBER_MAX:
        raise CertificateError(f"El número de registro tiene como máximo {NUMBER_MAX} caracteres.", "number")
    if not NUMBER_PATTERN.match(number):
        raise CertificateError("El número de registro solo lleva letras, números, espacios, guiones, "
                               "puntos y barras (por ejemplo 0123-2026).", "number")
    issued = data.issued_on
    if issued is None:
        raise CertificateError("Escribe la fecha de emisión del certificado.", "issued_on")
    if issued > clock.today():
        raise CertificateError("La fecha de emisión no puede ser posterior a hoy.", "issued_on")
    if issued < EARLIEST:
        raise CertificateError("Revisa la fecha de emisión: es anterior a 1980.", "issued_on")
    return module, number, issued


def _number_taken(cetpro_id: int, number: str) -> bool:
    return db.session.scalar(select(Certificate.id).where(Certificate.cetpro_id == cetpro_id,
                                                          Certificate.number == number)) is not None


def record(actor: User, student_id: int, data: CertificateData) -> Certificate:
    """Record a certificate of the actor's CETPRO for one of its students; committed."""
    profile = _student(actor, student_id)
    module, number, issued = _check(profile, data)
    if _number_taken(profile.cetpro_id, number):
        raise CertificateError(f"Tu CETPRO ya registró un certificado con el número {number}. "
                               "Revisa el número: cada certificado tiene el suyo.", "number")
    in_force = db.session.scalar(select(Certificate.id).where(
        Certificate.student_id == profile.id, Certificate.module_id == module.id, Certificate.state == "vigente"))
    if in_force is not None:
        raise CertificateError("Esa persona ya tiene un certificado vigente de ese módulo. "
                               "Si el anterior tiene un error, revócalo primero.", "module_id")
    certificate = Certificate(code=_free_code(), student_id=profile.id, module_id=module.id,
                              cetpro_id=profile.cetpro_id, number=number, issued_on=issued,
                              state="vigente", recorded_by_id=actor.id)
    db.session.add(certificate)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same number, recorded by someone else just now
        db.session.rollback()
        raise CertificateError(f"Tu CETPRO ya registró un certificado con el número {number}.", "number") from error
    audit("certificate.recorded", certificate, actor, cetpro_id=profile.cetpro_id, student_id=profile.id,
          module=module.name, number=number, issued_on=issued.isoformat())
    db.session.commit()
    return certificate


def _free_code() -> str:
    while True:  # a collision is ~1 in 10**14; checked anyway, the column is unique too
        code = new_code()
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def revoke(actor: User, certificate: Certificate, reason: str | None) -> bool:
    """Revoke with a reason; the row stays (shown as revoked everywhere). Committed.
    False when it was revoked already (a double click changes nothing)."""
    if actor.role != "coordinator" or certificate.cetpro_id != actor.cetpro_id:
        raise CertificateError("Ese certificado no es de tu CETPRO.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError("Escribe el motivo de la revocación: queda en el registro.", "reason")
    if len(reason) > REASON_MAX:
        raise CertificateError(f"El motivo tiene como máximo {REASON_MAX} caracteres.", "reason")
    if not certificate.in_force:
        return False
    certificate.state = "revocado"
    certificate.revoked_at = clock.utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoke_reason = reason
    audit("certificate.revoked", certificate, actor, cetpro_id=certificate.cetpro_id,
          student_id=certificate.student_id, number=certificate.number, reason=reason)
    db.session.commit()
    return True
