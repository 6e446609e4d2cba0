"""Deleting an account (Ley 29733, derecho de supresión): asked for with the password, run
by the worker after DELETION_GRACE_DAYS, cancelled by the person until then.

Erasing keeps the rows that aggregate figures count — the user row becomes a tombstone
named "Cuenta eliminada", the student profile keeps its CETPRO, programme, level, status
and graduation date, applications and placements keep their states and dates — and
removes everything that says who the person was: names, email, DNI, phone, birth date,
district, profile text, skills, CV and placement evidence, their notifications, the
emails to them, and the nominations that put them in front of employers. Where other rows quote them (a notification to an employer, an email, an
audit note), the quote is replaced. So reports by programme and year stay right, and
employers and coordinators see "Cuenta eliminada" where the person appeared.
Her certificados modulares stay counted, but their public /verificar pages answer as
unknown codes do (portal/certificates/queries.by_code).
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, Text, cast, delete, func, or_, select

from portal import clock, formatting, links, uploads
from portal.audit import audit
from portal.extensions import db
from portal.interviews import services as interviews
from portal.models import (
    Alert,
    AlertDelivery,
    Application,
    AuditEvent,
    CompanyInvitation,
    CompanyMember,
    CvExperience,
    CvPreferences,
    Nomination,
    Notification,
    Opening,
    OpeningReport,
    OutboxEmail,
    Placement,
    StudentProfile,
    StudentSkill,
    User,
)
from portal.notifications.services import notify
from portal.webhooks import services as webhooks

DELETED_NAME = "Cuenta eliminada"
REDACTED = "[dato eliminado]"
OPEN_STATES = ("received", "viewed", "in_review", "finalist")
# Who may delete their own account here. An admin account is closed by another admin.
SELF_SERVICE_ROLES = ("student", "employer", "coordinator")
# Free text written by people, where someone may have quoted the person.
QUOTING_COLUMNS = (
    Notification.message, OutboxEmail.subject, OutboxEmail.body_text, OpeningReport.details,
    OpeningReport.resolution, Application.message, Application.rejection_note, Application.employer_notes,
    Nomination.note, Opening.description, Opening.state_reason, StudentProfile.verification_note,
)


class DeletionError(ValueError):
    """A refused request; the message says why, in Spanish."""


def grace() -> timedelta:
    return timedelta(days=current_app.config.get("DELETION_GRACE_DAYS", 7))


def tombstone_email(user_id: int) -> str:
    return f"cuenta-{user_id}@eliminada.invalid"


def request_deletion(user: User, password: str, now: datetime | None = None) -> datetime:
    """Schedule `user`'s erasure after the grace period; returns when it will run."""
    if user.role not in SELF_SERVICE_ROLES:
        raise DeletionError("Una cuenta de administración no se elimina desde aquí: pídeselo a otra persona "
                            "administradora, que puede desactivarla.")
    if user.deleted_at is not None:
        raise DeletionError("Esta cuenta ya fue eliminada.")
    if not user.check_password(password or ""):
        raise DeletionError("La contraseña no es correcta. Escríbela para confirmar que eres tú.")
    if user.deletion_due_at is not None:
        return user.deletion_due_at
    _not_last_owner(user)
    now = now or clock.utcnow()
    user.deletion_requested_at = now
    user.deletion_due_at = now + grace()
    audit("account.deletion_requested", user, user, due=user.deletion_due_at.isoformat())
    # Told by email too: if someone else did it from the person's session, the owner can still stop it.
    when = formatting.moment(user.deletion_due_at)
    notify(user.id, "account-deletion", f"Pediste eliminar tu cuenta: la eliminaremos el {when}.",
           links.path("privacy.index"),
           email=("Pediste eliminar tu cuenta",
                  f"Recibimos tu pedido de eliminar tu cuenta de Enlace CETPRO. La eliminaremos el {when}, con tus "
                  "datos personales y tus archivos. Hasta entonces puedes entrar y cancelarlo. Si no fuiste tú, "
                  "entra, cancela la eliminación y cambia tu contraseña."))
    return user.deletion_due_at


def _not_last_owner(user: User) -> None:
    """A company always keeps an owner while it has a team (as companies/team.py keeps it when
    an owner removes members): its last owner hands the company over before leaving."""
    membership = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == user.id))
    if membership is None or not membership.is_owner or membership.state != "active":
        return
    others = db.session.scalars(select(CompanyMember).where(
        CompanyMember.company_id == membership.company_id, CompanyMember.user_id != user.id,
        CompanyMember.state == "active")).all()
    if others and not any(member.is_owner for member in others):
        raise DeletionError("Eres la única persona que administra tu empresa y hay más personas en su equipo, "
                            "que se quedarían sin nadie a cargo: antes de eliminar tu cuenta, quítalas del "
                            "equipo en «Equipo».")


def cancel(user: User, actor: User | None = None) -> bool:
    """Keep the account after all; False when no deletion was pending."""
    if user.deletion_due_at is None or user.deleted_at is not None:
        return False
    user.deletion_requested_at = None
    user.deletion_due_at = None
    audit("account.deletion_cancelled", user, actor or user)
    return True


def pending() -> list[User]:
    """Every account waiting for its erasure, the soonest first."""
    return list(db.session.scalars(select(User).where(User.deletion_due_at.is_not(None), User.deleted_at.is_(None))
                                   .order_by(User.deletion_due_at, User.id)))


def pending_user(user_id: int) -> User | None:
    return db.session.scalar(select(User).where(User.id == user_id, User.deletion_due_at.is_not(None),
                                                User.deleted_at.is_(None)))


def erase_due(now: datetime | None = None) -> int:
    """Erase every account whose grace period ended (the worker's job); how many."""
    now = now or clock.utcnow()
    ids = list(db.session.scalars(select(User.id).where(User.deletion_due_at <= now, User.deleted_at.is_(None))
                                  .order_by(User.deletion_due_at, User.id)))
    for user_id in ids:
        run(db.session.get(User, user_id))
    return len(ids)


def run(user: User, actor: User | None = None) -> None:
    """Erase `user` and their stored files in one commit."""
    for key in erase(user, actor):
        uploads.remove_stored(key)
    db.session.commit()


def _needles(user: User, profile: StudentProfile | None) -> list[str]:
    """What identifies the person in someone else's text, longest first."""
    names = [user.full_name, f"{user.last_names}, {user.first_names}", f"{user.last_names} {user.first_names}"]
    found = [user.email, *(n for n in names if " " in n.strip(", "))]
    if profile is not None:
        found.append(profile.document_number)
    if user.phone:
        found.append(user.phone)
    return sorted({n.strip() for n in found if len(n.strip()) >= 5}, key=len, reverse=True)


def _replace(text: str | None, needles: list[str]) -> str | None:
    if not text:
        return text
    for needle in needles:
        text = re.sub(re.escape(needle), DELETED_NAME if "@" not in needle and not needle.isdigit() else REDACTED,
                      text, flags=re.IGNORECASE)
    return text


def _scrub(value, needles: list[str]):
    """`value` (JSON data) with every string that quotes the person replaced."""
    if isinstance(value, str):
        return _replace(value, needles)
    if isinstance(value, list):
        return [_scrub(item, needles) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, needles) for key, item in value.items()}
    return value


def _quoting(column, needles: list[str]):
    """Rows whose `column` mentions a needle (as typed, or as JSON escapes it)."""
    text = func.lower(cast(column, Text) if not isinstance(column.type, String) else column)
    forms = {form.lower() for needle in needles for form in (needle, json.dumps(needle)[1:-1])}
    return or_(*(text.contains(form, autoescape=True) for form in forms))


def _replace_quotes(needles: list[str]) -> None:
    for column in QUOTING_COLUMNS:
        model = column.class_
        for row in db.session.scalars(select(model).where(_quoting(column, needles))):
            setattr(row, column.key, _replace(getattr(row, column.key), needles))
    for event in db.session.scalars(select(AuditEvent).where(_quoting(AuditEvent.data, needles))):
        event.data = _scrub(event.data, needles)


def erase(user: User, actor: User | None = None) -> list[str]:
    """Erase `user`'s personal data, leaving the tombstone (not committed); returns the
    stored files to remove once the change is committed."""
    now = clock.utcnow()
    profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == user.id))
    needles = _needles(user, profile)
    files = []
    db.session.execute(delete(OutboxEmail).where(func.lower(OutboxEmail.to_address) == user.email.lower()))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    # Her (or, for an employer, their) interviews still to come are called off, the other side told.
    interviews.end_for_user(user)
    if profile is not None:
        files.append(profile.cv_path)
        for placement in db.session.scalars(select(Placement).where(Placement.student_id == profile.id)):
            files.append(placement.evidence_path)
            placement.evidence_path = None
        for application in db.session.scalars(select(Application).where(Application.student_id == profile.id)):
            application.message = application.rejection_note = application.employer_notes = None
            if application.state in OPEN_STATES:
                # The person left: their open applications end as withdrawn, like a student's own withdrawal.
                application.state = "withdrawn"
                application.state_changed_at = now
                audit("application.withdrawn", application, None, reason="account_erased")
        # A coordinator's suggestion of the person to employers: nobody to invite any more.
        db.session.execute(delete(Nomination).where(Nomination.student_id == profile.id))
        db.session.execute(delete(StudentSkill).where(StudentSkill.student_id == profile.id))
        # Her saved searches say what she looks for: they go with the account's data.
        alerts = select(Alert.id).where(Alert.student_id == profile.id)
        db.session.execute(delete(AlertDelivery).where(AlertDelivery.alert_id.in_(alerts)))
        db.session.execute(delete(Alert).where(Alert.student_id == profile.id))
        # What she added to her generated CV and what it showed.
        db.session.execute(delete(CvExperience).where(CvExperience.student_id == profile.id))
        db.session.execute(delete(CvPreferences).where(CvPreferences.student_id == profile.id))
        # Her CETPRO's webhook deliveries that carry her name and DNI (sent or still queued).
        webhooks.forget_student(profile.id, profile.cetpro_id)
        profile.document_number = f"E{profile.id}"[:12]
        profile.birth_date = None
        profile.district_code = None
        profile.availability = None
        profile.verification_note = None
        profile.open_to_offers = False
        profile.cv_path = None
        profile.cv_uploaded_at = None
    db.session.execute(delete(CompanyMember).where(CompanyMember.user_id == user.id))
    for invitation in db.session.scalars(select(CompanyInvitation).where(
            func.lower(CompanyInvitation.email) == user.email.lower())):
        invitation.email = tombstone_email(user.id)
    db.session.flush()
    _replace_quotes(needles)
    user.email = tombstone_email(user.id)
    user.first_names = DELETED_NAME
    user.last_names = ""
    user.phone = None
    user.password_hash = ""
    user.active = False
    user.session_version = (user.session_version or 1) + 1  # every session of theirs ends
    user.last_login_at = None
    user.deletion_due_at = None
    user.deleted_at = now
    audit("account.erased", user, actor, role=user.role)
    db.session.flush()
    return [path for path in files if path]
