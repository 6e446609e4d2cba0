"""Writing the roster: verifying students who registered themselves, and the invitation
link that imported students use to choose their password. No request, no templates."""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import links, signing
from portal.access import students_of
from portal.accounts.passwords import fingerprint_matches, password_fingerprint, password_problem, take_password_link
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.models import Cetpro, StudentProfile, User
from portal.notifications.services import notify

REASON_MAX = 500
ACTIONS = ("verificar", "rechazar")


class RosterError(ValueError):
    """A refused change, with a Spanish message; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Verification (DESIGN §1: a coordinator vouches for its own CETPRO's students) -------------


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise RosterError("Escribe el motivo del rechazo: la persona lo leerá para corregir sus datos.", "reason")
    if len(reason) > REASON_MAX:
        raise RosterError(f"El motivo puede tener hasta {REASON_MAX} caracteres; escribiste {len(reason)}.", "reason")
    return reason


def _set_state(profile: StudentProfile, state: str, note: str | None) -> bool:
    # A conditional UPDATE: two coordinators deciding at once make one change and one email.
    changed = db.session.execute(
        update(StudentProfile)
        .where(StudentProfile.id == profile.id, StudentProfile.verification_state != state)
        .values(verification_state=state, verification_note=note)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    return bool(changed)


def _verify(profile: StudentProfile, actor: User, cetpro: Cetpro) -> bool:
    if not _set_state(profile, "verified", None):
        return False
    notify(profile.user_id, "student-verified",
           f"{cetpro.name} verificó tu cuenta: las empresas verán que eres su estudiante.",
           links.path("students.profile"),
           email=("Tu CETPRO verificó tu cuenta de Enlace CETPRO",
                  f"{cetpro.name} confirmó que eres su estudiante. Desde ahora las empresas ven tu perfil "
                  "como verificado por tu CETPRO. Revisa que tus datos y módulos estén completos:"))
    audit("student.verified", profile, actor, cetpro_id=cetpro.id)
    return True


def _reject(profile: StudentProfile, actor: User, cetpro: Cetpro, reason: str) -> bool:
    if not _set_state(profile, "rejected", reason):
        return False
    notify(profile.user_id, "student-rejected",
           f"{cetpro.name} no pudo verificar tu cuenta. Motivo: {reason}", links.path("students.profile"),
           email=("Tu CETPRO no pudo verificar tu cuenta de Enlace CETPRO",
                  f"{cetpro.name} revisó tu registro y no pudo confirmar que eres su estudiante.\n\n"
                  f"Motivo: {reason}\n\nRevisa tus datos (programa de estudios y documento) en tu perfil, "
                  "o comunícate con tu CETPRO si crees que es un error:"))
    audit("student.rejected", profile, actor, cetpro_id=cetpro.id, reason=reason)
    return True


def _check_scope(profile: StudentProfile, actor: User, cetpro: Cetpro) -> None:
    if actor.role != "coordinator" or actor.cetpro_id != cetpro.id or profile.cetpro_id != cetpro.id:
        raise PermissionError("a coordinator decides only on its own CETPRO's students")


def verify(profile: StudentProfile, actor: User, cetpro: Cetpro) -> bool:
    """Mark the student verified and tell them. False when it already was (a double click)."""
    _check_scope(profile, actor, cetpro)
    changed = _verify(profile, actor, cetpro)
    db.session.commit()
    return changed


def reject(profile: StudentProfile, actor: User, cetpro: Cetpro, reason: str | None) -> bool:
    """Mark the student rejected with the reason they will read. False when it already was."""
    _check_scope(profile, actor, cetpro)
    reason = clean_reason(reason)
    changed = _reject(profile, actor, cetpro, reason)
    db.session.commit()
    return changed


def decide_many(actor: User, cetpro: Cetpro, student_ids: Iterable[int], action: str,
                reason: str | None = None) -> tuple[list[StudentProfile], int]:
    """Verify or reject several students in one transaction.

    Ids of other CETPROs' students, and of unconfirmed sign-ups, are ignored as if they did
    not exist. Returns the
    profiles that changed and how many were already in that state.
    """
    if action not in ACTIONS:
        raise RosterError("Elige si quieres verificar o rechazar a los estudiantes marcados.", "action")
    wanted = sorted({int(i) for i in student_ids})
    if not wanted:
        raise RosterError("Marca al menos un estudiante.", "student_ids")
    clean = clean_reason(reason) if action == "rechazar" else None
    profiles = list(db.session.scalars(
        select(StudentProfile)
        .where(StudentProfile.id.in_(wanted), students_of(cetpro.id))
        .options(joinedload(StudentProfile.user))
        .order_by(StudentProfile.id)
    ))
    changed: list[StudentProfile] = []
    for profile in profiles:
        _check_scope(profile, actor, cetpro)
        done = _verify(profile, actor, cetpro) if action == "verificar" else _reject(profile, actor, cetpro, clean)
        if done:
            changed.append(profile)
    db.session.commit()
    return changed, len(profiles) - len(changed)


# --- Invitations: an imported student chooses a password -----------------------------------------

INVITE_SALT = "roster-invite"
# Longer than a password reset (1 h): the email may sit unread for days.
INVITE_MAX_AGE = 7 * 24 * 3600


def invite_max_age() -> int:
    return int(current_app.config.get("ROSTER_INVITE_MAX_AGE", INVITE_MAX_AGE))


def _invite_serializer() -> URLSafeTimedSerializer:
    return signing.serializer(INVITE_SALT)


def invitation_token(user_id: int, password_hash: str = "") -> str:
    # Bound to the current password, like a reset link: choosing a password uses it up.
    return _invite_serializer().dumps({"id": user_id, "p": password_fingerprint(password_hash)})


def invitation_link(token: str) -> str:
    return links.external("roster.welcome", token=token)


def invitation_email(first_names: str, email: str, cetpro_name: str, programme_name: str,
                     token: str) -> tuple[str, str]:
    """(subject, body) of the email that welcomes an imported student."""
    base = links.base_url()
    days = invite_max_age() // 86400
    subject = f"{cetpro_name} te registró en Enlace CETPRO"
    body = (
        f"Hola {first_names}:\n\n"
        f"{cetpro_name} te registró en Enlace CETPRO, el portal de prácticas y empleo de los CETPRO "
        f"del Perú, como estudiante de {programme_name}. Allí puedes ver ofertas para tu especialidad, "
        "postular gratis y recibir las recomendaciones de tu CETPRO.\n\n"
        f"Elige tu contraseña con este enlace (vale por {days} días y una sola vez):\n"
        f"{invitation_link(token)}\n\n"
        f"Después ingresa con tu correo, {email}. Si el enlace venció, pide uno nuevo en "
        f"{links.external('accounts.forgot')}.\n\n"
        "Si no estudias en ese CETPRO, ignora este correo.\n\n"
        f"--\nEnlace CETPRO · {base}\n"
    )
    return subject, body


def user_for_invitation(token: str) -> User | None:
    """The imported student a welcome link is for, or None if forged, expired or already used."""
    try:
        data = _invite_serializer().loads(token, max_age=invite_max_age())
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = db.session.get(User, data["id"])
    if user is None or not user.active or user.role != "student" or not fingerprint_matches(user, data):
        return None
    return user


def accept_invitation(user: User, password: str) -> None:
    """Set the first password of an imported student."""
    if problem := password_problem(password, user.email):
        raise RosterError(problem, "password")
    take_password_link(user, password)  # raises LinkUsed when the link was used first
    user.email_confirmed_at = user.email_confirmed_at or utcnow()  # the link came by email
    audit("student.invitation_accepted", user, user)
    db.session.commit()


def record_export(actor: User, cetpro: Cetpro, kind: str, count: int, filters: dict) -> None:
    """Exports carry personal data: who took which list, and when, is kept."""
    audit("roster.exported", cetpro, actor, format=kind, rows=count, filters=filters)
    db.session.commit()
