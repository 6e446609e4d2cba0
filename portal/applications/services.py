"""Writing applications: apply, withdraw, pipeline moves, notes, nudges, and the end of
every open application when its opening ends (`end_open`).

A pipeline move is committed by `portal.placements.services.move`, which adds the placement
that a hire begins in the same transaction (placements build on applications, not the reverse)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import clock, links, vocab
from portal.applications import states
from portal.applications.eligibility import legal_obstacle
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.formatting import day, sentence
from portal.interviews import services as interviews
from portal.models import (
    Application,
    CompanyMember,
    Opening,
    StudentProfile,
    User,
)
from portal.notifications.services import notify


class ApplicationError(ValueError):
    """A refused action, with a Spanish message; `field` points at a form field if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleApplication(ApplicationError):
    """Someone else changed the application first; the current state is on `application`."""

    def __init__(self, message: str, application: Application):
        super().__init__(message)
        self.application = application


class IllegalTransition(ApplicationError):
    """The move is not in the table for the application's current state."""

    def __init__(self, message: str, application: Application):
        super().__init__(message)
        self.application = application


def opening_obstacle(opening: Opening, today: date | None = None) -> str | None:
    """Why nobody can apply to this opening now (Spanish), or None."""
    today = today or clock.today()
    if opening.state == "published" and opening.deadline and opening.deadline < today:
        return f"Esta oferta venció: su plazo para postular terminó el {day(opening.deadline)}."
    if opening.state != "published":
        state = vocab.OPENING_STATES[opening.state].lower()
        if opening.state == "suspended" and opening.state_reason:
            return f"Esta oferta está {state}: {sentence(opening.state_reason)} Ya no recibe postulaciones."
        return f"Esta oferta está {state}. Ya no recibe postulaciones."
    return None


def student_obstacle(profile: StudentProfile | None, opening: Opening, today: date | None = None) -> str | None:
    if profile is None:
        return "Solo los estudiantes y egresados de un CETPRO pueden postular."
    return legal_obstacle(opening.kind, profile.status, profile.graduation_date, today)


def _employer_recipients(opening: Opening) -> list[User]:
    return list(db.session.scalars(
        select(User).join(CompanyMember, CompanyMember.user_id == User.id)
        .where(CompanyMember.company_id == opening.company_id, CompanyMember.state == "active",
               User.active.is_(True))
    ))


def apply(profile: StudentProfile, opening: Opening, message: str | None = None) -> tuple[Application, bool]:
    """Apply once. Returns (application, created); a repeat returns the existing one."""
    existing = db.session.scalar(
        select(Application).where(Application.opening_id == opening.id, Application.student_id == profile.id)
    )
    if existing is not None:
        return existing, False
    if obstacle := opening_obstacle(opening) or student_obstacle(profile, opening):
        raise ApplicationError(obstacle)
    application = Application(opening_id=opening.id, student_id=profile.id, state="received",
                              message=(message or "").strip()[:1000] or None)
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:
        # A double tap or a second tab got there first: the database keeps one.
        db.session.rollback()
        existing = db.session.scalar(
            select(Application).where(Application.opening_id == opening.id, Application.student_id == profile.id)
        )
        return existing, False
    student = profile.user
    pipeline = links.path("employers.pipeline", opening_id=opening.id)
    for member in _employer_recipients(opening):
        notify(member.id, "application-received", f"{student.full_name} postuló a «{opening.title}».", pipeline,
               email=(f"Nueva postulación a {opening.title}",
                      f"{student.full_name} postuló a «{opening.title}». Revisa su perfil y respóndele:"))
    audit("application.created", application, student)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(
            select(Application).where(Application.opening_id == opening.id, Application.student_id == profile.id)
        )
        return existing, False
    return application, True


def _tell_student(application: Application, text: str) -> None:
    subject = f"Tu postulación a {application.opening.title}: {vocab.APPLICATION_STATES[application.state]}"
    notify(application.student.user_id, "application-updated", text, links.path("students.applications"),
           email=(subject, f"{text} Mira todas tus postulaciones:"))


def _check(application: Application, to_state: str, actor_kind: str, version: int | None) -> None:
    if version is not None and application.version != version:
        raise StaleApplication(
            "Otra persona cambió esta postulación hace un momento. Ahora está en "
            f"«{vocab.APPLICATION_STATES[application.state]}»: revisa antes de volver a cambiarla.",
            application,
        )
    if not states.allowed(application.state, to_state, actor_kind):
        raise IllegalTransition(
            f"Una postulación «{vocab.APPLICATION_STATES[application.state]}» no puede pasar a "
            f"«{vocab.APPLICATION_STATES[to_state]}».",
            application,
        )


def _set_state(application: Application, to_state: str) -> None:
    application.state = to_state
    application.state_changed_at = utcnow()


def _write_state(application: Application) -> None:
    """Write the state change now, guarded by the row's version.

    A request that changed the row between our read and this UPDATE (a double click, a
    second tab, the student withdrawing while the employer moves) makes it match no
    row; that surfaces here as StaleApplication (409), not later from an autoflush as a 500.
    """
    application_id = application.id
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        current = db.session.get(Application, application_id)
        raise StaleApplication(
            "Otra persona cambió esta postulación hace un momento. Ahora está en "
            f"«{vocab.APPLICATION_STATES[current.state]}».", current) from None


def withdraw(profile: StudentProfile, application: Application) -> Application:
    if application.student_id != profile.id:
        raise ApplicationError("Esa postulación no es tuya.")
    if application.state == "withdrawn":
        return application
    if application.state in ("hired", "rejected"):
        raise IllegalTransition("La empresa ya decidió sobre esta postulación: no se puede retirar.", application)
    _check(application, "withdrawn", states.STUDENT, None)
    _set_state(application, "withdrawn")
    try:
        _write_state(application)
    except StaleApplication as stale:
        if stale.application.state == "withdrawn":
            return stale.application  # a double tap: the first one withdrew it
        raise
    for member in _employer_recipients(application.opening):
        notify(member.id, "application-withdrawn",
               f"{profile.user.full_name} retiró su postulación a «{application.opening.title}».",
               links.path("employers.pipeline", opening_id=application.opening_id))
    interviews.end_for_application(application, "La persona retiró su postulación.", tell_employer=True)
    audit("application.withdrawn", application, profile.user)
    db.session.commit()
    return application


def mark_viewed(application: Application) -> bool:
    """The employer opened it: Recibida becomes Vista (once)."""
    if application.state != "received":
        return False
    _set_state(application, "viewed")
    application.viewed_at = utcnow()
    try:
        _write_state(application)
    except StaleApplication:
        return False  # another request (or tab) changed it first
    _tell_student(application, f"La empresa vio tu postulación a «{application.opening.title}».")
    db.session.commit()
    return True


@dataclass
class Move:
    to_state: str
    version: int | None = None
    reason: str | None = None
    note: str | None = None
    start_date: date | None = None


STATE_MESSAGES = {
    "in_review": "Tu postulación a «{title}» está en evaluación.",
    "finalist": "¡Eres finalista en «{title}»! La empresa podría contactarte pronto.",
    "hired": "¡Felicitaciones! Te seleccionaron para «{title}». Empiezas el {start}.",
    "rejected": "Tu postulación a «{title}» no continuará. Motivo: {reason}.",
}


def transition(actor: User, application: Application, change: Move, today: date | None = None) -> Application:
    """An employer moves an applicant: the checks, the state written (guarded by the row's
    version, so a stale move raises StaleApplication), the student told, the audit event.

    Not committed: `portal.placements.services.move` calls it, adds the placement (colocación)
    when the move is a hire, and commits both at once with `commit_move`.
    """
    today = today or clock.today()
    _check(application, change.to_state, states.EMPLOYER, change.version)
    if change.to_state == "rejected":
        if change.reason not in vocab.REJECTION_REASONS or change.reason in states.SYSTEM_REASONS:
            raise ApplicationError("Elige el motivo del descarte.", "reason")
        application.rejection_reason = change.reason
        application.rejection_note = (change.note or "").strip()[:500] or None
    if change.to_state == "hired":
        if change.start_date is None:
            raise ApplicationError("Indica la fecha de inicio para registrar la colocación.", "start_date")
        if change.start_date < today - timedelta(days=365):
            raise ApplicationError("La fecha de inicio no puede ser de hace más de un año.", "start_date")
    _set_state(application, change.to_state)
    _write_state(application)
    text = STATE_MESSAGES[change.to_state].format(
        title=application.opening.title,
        start=day(change.start_date),
        reason=vocab.REJECTION_REASONS.get(change.reason or "", ""),
    )
    _tell_student(application, text)
    if change.to_state == "rejected":
        interviews.end_for_application(application, "La postulación no continuará.")
    elif change.to_state == "hired":
        interviews.end_for_hire(application)
    audit(f"application.{change.to_state}", application, actor, reason=change.reason)
    return application


def end_open(opening: Opening, reason: str, message: str, email: tuple[str, str]) -> int:
    """The opening ended (closed, filled, suspended, expired): the system rejects each of its
    open applications with `reason` (one of states.SYSTEM_REASONS) and tells each student
    `message` (a notification) and `email` ((subject, body), through the outbox).

    One UPDATE guarded by the state, returning the rows it changed: a student who withdraws
    at the same moment is neither overwritten nor told. Not committed: the caller commits
    it with the opening's own change. Returns how many students were told.
    """
    if reason not in states.SYSTEM_REASONS:
        raise ValueError(f"not a reason the system gives: {reason!r}")
    interviews.end_for_opening(opening, f"La oferta terminó ({vocab.REJECTION_REASONS[reason]}).")
    return _system_move(opening, [Application.state.in_(states.ended_by_system())],
                        {"state": "rejected", "rejection_reason": reason}, "application-finished", message, email)


def restore_suspended(opening: Opening, message: str, email: tuple[str, str]) -> int:
    """A suspended opening was reinstated: the applications its suspension ended (rejected
    with "opening_suspended") go back to Recibida — the one SYSTEM move back from a final
    state that states.py foresees, for exactly those — and each student is told `message`
    and `email`. Not committed. Returns how many students were told."""
    return _system_move(opening, [Application.state == "rejected", Application.rejection_reason == "opening_suspended"],
                        {"state": "received", "rejection_reason": None}, "application-restored", message, email)


def _system_move(opening: Opening, where: list, values: dict, kind: str, message: str,
                 email: tuple[str, str]) -> int:
    """Move every application of `opening` that matches `where` to `values` in one UPDATE
    (the rows it changed are the ones told: end_open says why), and send each student a
    notification of `kind` with `message` and `email`. Not committed; how many were told."""
    moved = db.session.execute(
        update(Application)
        .where(Application.opening_id == opening.id, *where)
        .values(**values, rejection_note=None, state_changed_at=utcnow(), version=Application.version + 1)
        .returning(Application.student_id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if not moved:
        return 0
    user_ids = db.session.scalars(
        select(StudentProfile.user_id).where(StudentProfile.id.in_(moved)).order_by(StudentProfile.user_id)
    ).all()
    url = links.path("students.applications")
    for user_id in user_ids:
        notify(user_id, kind, message, url, email=email)
    return len(user_ids)


def commit_move(application: Application) -> None:
    """Commit a transition (and what came with it); a row changed meanwhile raises StaleApplication."""
    try:
        db.session.commit()
    except StaleDataError:
        # Another request updated the row between our read and our write.
        db.session.rollback()
        current = db.session.get(Application, application.id)
        raise StaleApplication(
            "Otra persona cambió esta postulación hace un momento. Ahora está en "
            f"«{vocab.APPLICATION_STATES[current.state]}».", current) from None


def save_notes(actor: User, application: Application, notes: str) -> Application:
    """Private notes: only the company's members ever see them."""
    application.employer_notes = (notes or "").strip()[:5000] or None
    audit("application.notes", application, actor)
    db.session.commit()
    return application


def nudge(today: date | None = None, days: int = 7) -> int:
    """Tell employers about applications waiting (Recibida or Vista) over `days` days, once each."""
    cutoff = utcnow() - timedelta(days=days)
    waiting = list(db.session.scalars(
        select(Application)
        .where(Application.state.in_(("received", "viewed")), Application.nudged_at.is_(None),
               Application.created_at < cutoff)
        .order_by(Application.opening_id, Application.id)
    ))
    by_opening: dict[int, list[Application]] = {}
    for application in waiting:
        by_opening.setdefault(application.opening_id, []).append(application)
    now = utcnow()
    for opening_id, applications in by_opening.items():
        opening = applications[0].opening
        count = len(applications)
        people = "postulación espera" if count == 1 else "postulaciones esperan"
        url = links.path("employers.pipeline", opening_id=opening_id)
        text = f"{count} {people} tu respuesta en «{opening.title}» desde hace más de {days} días."
        for member in _employer_recipients(opening):
            notify(member.id, "applications-waiting", text, url,
                   email=(f"{count} {people} respuesta en {opening.title}",
                          f"{text} Quienes postulan merecen saber en qué va su proceso:"))
        for application in applications:
            application.nudged_at = now
    db.session.commit()
    return len(waiting)
