"""Writing interviews: propose, pick a slot, ask for another time, reschedule, cancel,
record attendance, the ends that follow an application's (`end_for_application`,
`end_for_opening`, `end_for_user`) and the worker's reminders (`send_reminders`).

Every step tells the other side with a notification and an email carrying an .ics
(calendar.py), written in the same transaction as the change. One employer member never
has two confirmed interviews that overlap: checked when proposing and when a slot is
picked, after `_lock_member`, so two picks at once queue on both databases.

Whose calendar holds what (as a scheduling product would: the interviewer's time is held
while the student chooses):

- proposed: the student and the member who proposed (the ORGANIZER) each get the slots as
  TENTATIVE holds (`calendar.options`, one UID per slot); the member by email only, as the
  step was theirs (no notification of one's own step).
- confirmed: both get the REQUEST of the chosen time (the stable UID) and a CANCEL of the
  holds; the reminders 24 h and 2 h before carry that REQUEST again (same UID, current
  SEQUENCE), so a calendar that missed it still gets the entry and one that has it is unchanged.
- the student asks for another time: the slots are declined, so both calendars get a CANCEL
  of the holds (SEQUENCE + 1); nothing is held until the employer proposes again.
- rescheduled: the holds or the confirmed time are cancelled for both (a colleague who
  proposed before gets their CANCEL apart), the new slots held for both.
- cancelled (by the employer, a rejection, a withdrawal, a hire, the opening's end, an
  erased account): a CANCEL of whatever was held or confirmed, to both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update

from portal import clock, links, mail, vocab
from portal.clock import utcnow
from portal.extensions import db
from portal.formatting import span
from portal.interviews import calendar
from portal.models import Application, CompanyMember, Interview, InterviewSlot, Opening, StudentProfile, User
from portal.notifications.services import SUBJECT_MAX, email_body, notify

MAX_SLOTS = 3
MAX_LENGTH = timedelta(hours=8)
MIN_LENGTH = timedelta(minutes=10)
# Applicants an employer may invite: "En evaluación" or "Finalista" (vocab.APPLICATION_STATES).
INVITABLE = ("in_review", "finalist")
REMINDERS = (("reminded_24h_at", timedelta(hours=24), "mañana"), ("reminded_2h_at", timedelta(hours=2), "en 2 horas"))
PHONE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")


class InterviewError(ValueError):
    """A refused step, with a Spanish message; `field` names the form field if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class SlotInput:
    """One slot as typed in the form: a day and two times, Lima time (ISO strings)."""

    day: str = ""
    start: str = ""
    end: str = ""

    def blank(self) -> bool:
        return not (self.day or self.start or self.end)


@dataclass
class Proposal:
    mode: str = ""
    place: str = ""
    note: str = ""
    slots: list[SlotInput] = field(default_factory=list)


# --- Reading the proposal -----------------------------------------------------------------


def lima_to_utc(value: datetime) -> datetime:
    """A Lima wall-clock time as the database stores instants (UTC, naive)."""
    return value.replace(tzinfo=clock.LIMA).astimezone(UTC).replace(tzinfo=None)


def read_slots(inputs: list[SlotInput]) -> list[tuple[datetime, datetime]]:
    """The typed slots as UTC instants; InterviewError (with the field) for any bad one."""
    filled = [(n, s) for n, s in enumerate(inputs[:MAX_SLOTS], start=1) if not s.blank()]
    if not filled:
        raise InterviewError("Propón al menos un horario: día, hora de inicio y hora de fin.", "slot1_day")
    now = utcnow()
    slots = []
    for n, slot in filled:
        try:
            day = date.fromisoformat(slot.day)
        except ValueError:
            raise InterviewError(f"Horario {n}: escribe el día (dd/mm/aaaa).", f"slot{n}_day") from None
        if not clock.today() - timedelta(days=1) <= day <= clock.today() + timedelta(days=180):
            raise InterviewError(f"Horario {n}: propón un día de hoy a los próximos seis meses.", f"slot{n}_day")
        try:
            start, end = time.fromisoformat(slot.start), time.fromisoformat(slot.end)
        except ValueError:
            raise InterviewError(f"Horario {n}: escribe la hora de inicio y la de fin (hh:mm).",
                                 f"slot{n}_start") from None
        starts, ends = lima_to_utc(datetime.combine(day, start)), lima_to_utc(datetime.combine(day, end))
        if ends <= starts:
            raise InterviewError(f"Horario {n}: la hora de fin debe ser después de la de inicio.", f"slot{n}_end")
        if ends - starts < MIN_LENGTH or ends - starts > MAX_LENGTH:
            raise InterviewError(f"Horario {n}: una entrevista dura entre 10 minutos y 8 horas.", f"slot{n}_end")
        if starts <= now:
            raise InterviewError(f"Horario {n}: ese momento ya pasó; propón uno futuro.", f"slot{n}_day")
        for m, (other_start, other_end) in enumerate(slots, start=1):
            if starts < other_end and other_start < ends:
                raise InterviewError(f"Los horarios {m} y {n} se cruzan: propón horarios distintos.", f"slot{n}_start")
        slots.append((starts, ends))
    return slots


def _read_place(mode: str, place: str) -> str:
    place = " ".join((place or "").split())
    if mode not in vocab.INTERVIEW_MODES:
        raise InterviewError("Elige cómo será la entrevista: en persona, por llamada o por videollamada.", "mode")
    if not place:
        what = {"direccion": "la dirección", "llamada": "el número al que llamarás o debe llamar",
                "videollamada": "el enlace de la videollamada"}[mode]
        raise InterviewError(f"Escribe {what}.", "place")
    if len(place) > 300:
        raise InterviewError("El lugar puede tener hasta 300 caracteres.", "place")
    if mode == "llamada" and not PHONE.fullmatch(place):
        raise InterviewError("Escribe un número de teléfono (solo dígitos, espacios o guiones; p. ej. 987 654 321).",
                             "place")
    if mode == "videollamada" and not re.fullmatch(r"https://[^\s<>\"']+", place):
        raise InterviewError("El enlace de la videollamada debe empezar con https:// (p. ej. https://meet.google.com/…).",
                             "place")
    return place


# --- Who takes part -----------------------------------------------------------------------


def _company_members(opening: Opening) -> list[User]:
    return list(db.session.scalars(
        select(User).join(CompanyMember, CompanyMember.user_id == User.id)
        .where(CompanyMember.company_id == opening.company_id, CompanyMember.state == "active",
               User.active.is_(True)).order_by(User.id)))


def _employer_side(interview: Interview) -> list[User]:
    """Who hears of the student's steps: the member who proposed, or (gone) the company's members."""
    member = interview.proposed_by
    if member.active and member.membership and member.membership.state == "active" \
            and member.membership.company_id == interview.application.opening.company_id:
        return [member]
    return _company_members(interview.application.opening)


def _organizer(interview: Interview) -> User | None:
    """The member whose calendar holds the interview (the one who proposed it), while active."""
    member = interview.proposed_by
    return member if member.active and not member.deleted_at else None


def _mail(user: User | None, subject: str, body: str, url: str, attachments: list[dict]) -> None:
    """An email with calendar files and no notification: a person's own step (or one taken
    for them) that only their calendar needs to follow."""
    if user is None or not user.active or user.deleted_at:
        return
    mail.queue(user.email, subject[:SUBJECT_MAX], email_body(user, body, url), attachments=attachments)


def _acts_for(actor: User, application: Application) -> None:
    membership = actor.membership
    if actor.role != "employer" or membership is None or membership.state != "active" \
            or membership.company_id != application.opening.company_id:
        raise InterviewError("Solo las personas de la empresa que publicó la oferta pueden hacer esto.")


def _student_path(interview: Interview) -> str:
    return links.path("students.interview", interview_id=interview.id)


def _employer_path(interview: Interview) -> str:
    return links.path("employers.application", application_id=interview.application_id)


def _details(interview: Interview) -> str:
    lines = [f"Cómo: {vocab.INTERVIEW_MODES[interview.mode]}",
             f"{vocab.INTERVIEW_PLACE_LABELS[interview.mode]}: {interview.place}"]
    if interview.note:
        lines.append(f"Nota de la empresa: {interview.note}")
    return "\n".join(lines)


def _slot_lines(interview: Interview) -> str:
    return "\n".join(f"- {span(slot.starts_at, slot.ends_at)}" for slot in interview.slots)


# --- Double booking -----------------------------------------------------------------------


def _lock_member(member_id: int) -> None:
    """Make this transaction the only one checking this member's time until it ends.

    PostgreSQL: the member's row is locked (FOR UPDATE); a second transaction waits here
    and then sees the first one's interview. SQLite has no row locks: a no-op UPDATE of the
    member's row is written first, so the connection takes the database's write lock now
    (the driver begins the transaction at the first write; every read before ran outside
    it) and a second writer waits on busy_timeout until the first commits; the checks after
    this call then read what it committed. Callers read again after it what they rely on."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.id == member_id).with_for_update())
    else:
        db.session.execute(update(User).where(User.id == member_id).values(id=User.id)
                           .execution_options(synchronize_session=False))


def clash(member_id: int, starts: datetime, ends: datetime, exclude: int | None = None) -> Interview | None:
    """A confirmed interview of this member that overlaps [starts, ends), if any."""
    query = select(Interview).where(Interview.proposed_by_id == member_id, Interview.state == "confirmed",
                                    Interview.starts_at < ends, Interview.ends_at > starts)
    if exclude is not None:
        query = query.where(Interview.id != exclude)
    return db.session.scalar(query.order_by(Interview.starts_at).limit(1))


def _check_member_free(member: User, slots: list[tuple[datetime, datetime]], exclude: int | None) -> None:
    for n, (starts, ends) in enumerate(slots, start=1):
        other = clash(member.id, starts, ends, exclude)
        if other is not None:
            when, who = span(other.starts_at, other.ends_at), other.application.student.user.full_name
            db.session.rollback()  # let go of the member's lock at once
            raise InterviewError(
                f"Horario {n}: ya tienes una entrevista confirmada el {when} "
                f"con {who}. Una misma persona no puede tener dos "
                "entrevistas a la vez: propón otro horario.", f"slot{n}_start")


# --- Steps --------------------------------------------------------------------------------


def open_interview(application: Application) -> Interview | None:
    return db.session.scalar(select(Interview).where(Interview.application_id == application.id,
                                                     Interview.state.in_(vocab.INTERVIEW_OPEN_STATES)))


def _set_slots(interview: Interview, slots: list[tuple[datetime, datetime]]) -> None:
    interview.slots = [InterviewSlot(starts_at=starts, ends_at=ends) for starts, ends in slots]


def _read_proposal(proposal: Proposal) -> tuple[str, list[tuple[datetime, datetime]], str]:
    """A proposal's place, slots (UTC) and note as they will be stored, or InterviewError."""
    place = _read_place(proposal.mode, proposal.place)
    slots = read_slots(proposal.slots)
    note = (proposal.note or "").strip()
    if len(note) > 1000:
        raise InterviewError("La nota puede tener hasta 1000 caracteres.", "note")
    return place, slots, note


def propose(actor: User, application: Application, proposal: Proposal) -> Interview:
    """An employer member invites an applicant in review or finalist; committed."""
    _acts_for(actor, application)
    if application.state not in INVITABLE:
        raise InterviewError("Solo puedes invitar a una entrevista a postulantes «En evaluación» o «Finalista».")
    if open_interview(application) is not None:
        raise InterviewError("Esta persona ya tiene una entrevista en curso: reprográmala o cancélala.")
    place, slots, note = _read_proposal(proposal)
    _lock_member(actor.id)
    if open_interview(application) is not None:  # proposed by a colleague meanwhile
        db.session.rollback()
        raise InterviewError("Esta persona ya tiene una entrevista en curso: reprográmala o cancélala.")
    _check_member_free(actor, slots, None)
    interview = Interview(application=application, proposed_by=actor, mode=proposal.mode, place=place,
                          note=note or None, state="proposed", sequence=0)
    _set_slots(interview, slots)
    db.session.add(interview)
    db.session.flush()
    _tell_proposed(interview, f"{application.opening.company.display_name} te invita a una entrevista para "
                              f"«{application.opening.title}». Elige uno de los horarios o pide otro.")
    _hold_for_member(interview, f"Propusiste a {application.student.user.full_name}")
    db.session.commit()
    return interview


def _hold_for_member(interview: Interview, what: str, cancel: dict | None = None) -> None:
    """The proposing member's tentative holds of the slots (and `cancel`: what they replace)."""
    opening = interview.application.opening
    _mail(_organizer(interview), f"Horarios de entrevista reservados: {interview.application.student.user.full_name}",
          f"{what} estos horarios para su entrevista por «{opening.title}» (hora de Lima):\n{_slot_lines(interview)}"
          f"\n\n{_details(interview)}\n\nEl archivo adjunto los reserva como tentativos en tu calendario. Cuando "
          "elija uno, te llegará la invitación de ese horario y se quitarán los demás. Su postulación:",
          _employer_path(interview), [calendar.options(interview)] + ([cancel] if cancel else []))


def _tell_proposed(interview: Interview, text: str, cancel: dict | None = None) -> None:
    opening = interview.application.opening
    body = (f"{text}\n\nHorarios propuestos (hora de Lima):\n{_slot_lines(interview)}\n\n{_details(interview)}\n\n"
            "El archivo adjunto los agrega a tu calendario como tentativos. Elige uno aquí:")
    attachments = [calendar.options(interview)] + ([cancel] if cancel else [])
    notify(interview.application.student.user_id, "interview-proposed", text, _student_path(interview),
           email=(f"Entrevista para {opening.title}: elige un horario", body), attachments=attachments)


def _own(profile: StudentProfile, interview: Interview) -> None:
    if interview.application.student_id != profile.id:
        raise InterviewError("Esa entrevista no es tuya.")


def pick(profile: StudentProfile, interview: Interview, slot_id: int | None) -> Interview:
    """The student takes one of the proposed slots; both sides get the invitation. Committed."""
    _own(profile, interview)
    if interview.state == "confirmed":
        raise InterviewError("Ya confirmaste esta entrevista.")
    if interview.state != "proposed":
        raise InterviewError("Esta entrevista ya no espera tu respuesta.")
    slot = next((s for s in interview.slots if s.id == slot_id), None)
    if slot is None:
        raise InterviewError("Elige uno de los horarios propuestos.", "slot")
    if slot.starts_at <= utcnow():
        raise InterviewError("Ese horario ya pasó: elige otro o pide uno nuevo.", "slot")
    _lock_member(interview.proposed_by_id)
    db.session.refresh(interview)  # a reschedule, a cancel or her other tab may have come first
    if interview.state != "proposed" or slot not in interview.slots:
        db.session.rollback()
        raise InterviewError("Esta entrevista cambió hace un momento: revisa los horarios.", "slot")
    if clash(interview.proposed_by_id, slot.starts_at, slot.ends_at, interview.id) is not None:
        db.session.rollback()
        raise InterviewError("Ese horario ya no está libre: la persona que te entrevistará tiene otra entrevista "
                             "a esa hora. Elige otro horario o pide uno nuevo.", "slot")
    interview.state, interview.student_message = "confirmed", None
    interview.starts_at, interview.ends_at = slot.starts_at, slot.ends_at
    left = interview.starts_at - utcnow()
    for column, before, _words in REMINDERS:
        # A reminder whose time already passed is not sent late: this confirmation says it all.
        setattr(interview, column, utcnow() if left <= before else None)
    when = span(interview.starts_at, interview.ends_at)
    opening = interview.application.opening
    student = interview.application.student.user
    invitation = calendar.confirmed(interview)
    holds = calendar.cancelled(interview, list(interview.slots))
    notify(student.id, "interview-confirmed", f"Confirmaste tu entrevista para «{opening.title}»: {when}.",
           _student_path(interview),
           email=(f"Entrevista confirmada: {opening.title}, {when}",
                  f"Tu entrevista para «{opening.title}» es el {when} (hora de Lima).\n\n{_details(interview)}\n\n"
                  "El archivo adjunto la pone en tu calendario (y quita los otros horarios). Detalles:"),
           attachments=[invitation, holds])
    for member in _employer_side(interview):
        notify(member.id, "interview-confirmed", f"{student.full_name} confirmó su entrevista para «{opening.title}»: "
                                                 f"{when}.", _employer_path(interview),
               email=(f"Entrevista confirmada: {student.full_name}, {when}",
                      f"{student.full_name} eligió el {when} (hora de Lima) para su entrevista por «{opening.title}».\n\n"
                      f"{_details(interview)}\n\nEl archivo adjunto la pone en tu calendario (y quita los otros "
                      "horarios que tenías reservados). Su postulación:"),
               attachments=[invitation, holds])
    db.session.commit()
    return interview


def ask_other_time(profile: StudentProfile, interview: Interview, message: str) -> Interview:
    """None of the slots suits her: she says when she can. Committed.

    The proposed slots were sent as TENTATIVE holds (to her and to the member who proposed
    them), and she has just declined them all: both get a CANCEL of the holds (SEQUENCE + 1,
    above the holds'), so no calendar keeps times that will not happen. The employer's email
    carries her message and that CANCEL; the next proposal brings new holds to both."""
    _own(profile, interview)
    if interview.state != "proposed":
        raise InterviewError("Esta entrevista ya no espera tu respuesta.")
    message = (message or "").strip()
    if not message:
        raise InterviewError("Cuéntale a la empresa qué días y horas puedes.", "message")
    if len(message) > 1000:
        raise InterviewError("El mensaje puede tener hasta 1000 caracteres.", "message")
    interview.sequence += 1
    holds = calendar.cancelled(interview, list(interview.slots))
    interview.state, interview.student_message = "reschedule", message
    student = interview.application.student.user
    opening = interview.application.opening
    for member in _employer_side(interview):
        notify(member.id, "interview-reschedule",
               f"{student.full_name} pide otro horario para su entrevista por «{opening.title}».",
               _employer_path(interview),
               email=(f"{student.full_name} pide otro horario de entrevista",
                      f"{student.full_name} no puede en los horarios propuestos para «{opening.title}». "
                      f"Su mensaje:\n\n«{message}»\n\nEl archivo adjunto quita de tu calendario los horarios "
                      "propuestos. Propón otros desde su postulación:"),
               attachments=[holds])
    _mail(student, f"Pediste otro horario: {opening.title}",
          f"Le pediste a {opening.company.display_name} otro horario para tu entrevista por «{opening.title}»; "
          "te avisaremos cuando proponga nuevos. El archivo adjunto quita de tu calendario los horarios anteriores.",
          _student_path(interview), [holds])
    db.session.commit()
    return interview


def _sent_events(interview: Interview) -> tuple[list[InterviewSlot], tuple[datetime, datetime] | None]:
    """What invitations are in calendars now: proposed slots (held while she chooses; asking
    for another time cancelled them) and/or the confirmed time."""
    confirmed = (interview.starts_at, interview.ends_at) if interview.state == "confirmed" else None
    slots = list(interview.slots) if interview.state == "proposed" else []
    return slots, confirmed


def reschedule(actor: User, interview: Interview, proposal: Proposal) -> Interview:
    """New slots for the same interview (SEQUENCE + 1); she picks again. Committed."""
    application = interview.application
    _acts_for(actor, application)
    if interview.state not in vocab.INTERVIEW_OPEN_STATES:
        raise InterviewError("Esta entrevista ya terminó o fue cancelada: propón una nueva.")
    place, slots, note = _read_proposal(proposal)
    _lock_member(actor.id)
    db.session.refresh(interview)
    if interview.state not in vocab.INTERVIEW_OPEN_STATES:
        db.session.rollback()
        raise InterviewError("Esta entrevista ya terminó o fue cancelada: propón una nueva.")
    _check_member_free(actor, slots, interview.id)
    old_slots, old_time = _sent_events(interview)
    interview.sequence += 1
    old_events = calendar.cancelled(interview, old_slots, old_time) if (old_slots or old_time) else None
    old_member = _organizer(interview)
    interview.proposed_by, interview.mode, interview.place, interview.note = actor, proposal.mode, place, note or None
    interview.state, interview.student_message = "proposed", None
    interview.starts_at = interview.ends_at = None
    interview.reminded_24h_at = interview.reminded_2h_at = None
    _set_slots(interview, slots)
    db.session.flush()
    _tell_proposed(interview, f"{application.opening.company.display_name} cambió los horarios de tu entrevista para "
                              f"«{application.opening.title}». Elige uno de los nuevos o pide otro.",
                   old_events)
    student_name = application.student.user.full_name
    if old_member is not None and old_member.id != actor.id:
        if old_events is not None:
            mail_member_cancel(old_member, interview, old_events, "Se reprogramó")
        _hold_for_member(interview, f"Propusiste a {student_name}")
    else:
        _hold_for_member(interview, f"Cambiaste los horarios: propusiste a {student_name}", old_events)
    db.session.commit()
    return interview


def mail_member_cancel(member: User, interview: Interview, attachment: dict, what: str) -> None:
    """Take what the member's calendar held (holds, confirmed time) out of it: a reschedule by a colleague."""
    if not member.active:
        return
    student = interview.application.student.user
    notify(member.id, "interview-cancelled", f"{what} la entrevista con {student.full_name}.",
           _employer_path(interview),
           email=(f"{what} la entrevista con {student.full_name}",
                  f"{what} la entrevista con {student.full_name}; el archivo adjunto la quita de tu calendario."),
           attachments=[attachment])


def _cancel(interview: Interview, reason: str, student_text: str, employer_text: str | None,
            organizer_calendar: bool = True) -> None:
    """Cancel, tell the student (and the employer side, given `employer_text`). Without
    `employer_text` (the employer's own step) the member who proposed still gets the CANCEL
    of what their calendar held, by email only, unless `organizer_calendar` is False (their
    account is the one going). Not committed."""
    slots, confirmed = _sent_events(interview)
    interview.sequence += 1  # a CANCEL carries a SEQUENCE above the invitation it cancels
    attachment = calendar.cancelled(interview, slots, confirmed) if (slots or confirmed) else None
    interview.state, interview.cancel_reason = "cancelled", reason[:500]
    opening = interview.application.opening
    student = interview.application.student.user
    if student.active and not student.deleted_at:
        notify(student.id, "interview-cancelled", student_text, _student_path(interview),
               email=(f"Entrevista cancelada: {opening.title}",
                      f"{student_text}\n\nMotivo: {reason}\n\nEl archivo adjunto la quita de tu calendario."),
               attachments=[attachment] if attachment else None)
    if employer_text:
        for member in _employer_side(interview):
            notify(member.id, "interview-cancelled", employer_text, _employer_path(interview),
                   email=(f"Entrevista cancelada: {student.full_name}",
                          f"{employer_text}\n\nMotivo: {reason}"
                          + ("\n\nEl archivo adjunto la quita de tu calendario." if attachment else "")),
                   attachments=[attachment] if attachment else None)
    elif attachment and organizer_calendar:
        _mail(_organizer(interview), f"Entrevista cancelada: {student.full_name}",
              f"Se canceló la entrevista con {student.full_name} por «{opening.title}».\n\nMotivo: {reason}\n\n"
              "El archivo adjunto la quita de tu calendario.", _employer_path(interview), [attachment])


def cancel(actor: User, interview: Interview, reason: str) -> Interview:
    """The employer calls it off, saying why. Committed."""
    _acts_for(actor, interview.application)
    if interview.state not in vocab.INTERVIEW_OPEN_STATES:
        raise InterviewError("Esta entrevista ya terminó o fue cancelada.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise InterviewError("Escribe el motivo de la cancelación: la persona lo leerá.", "reason")
    if len(reason) > 500:
        raise InterviewError("El motivo puede tener hasta 500 caracteres.", "reason")
    opening = interview.application.opening
    _cancel(interview, reason, f"{opening.company.display_name} canceló tu entrevista para «{opening.title}».", None)
    db.session.commit()
    return interview


def record_attendance(actor: User, interview: Interview, attended: bool) -> Interview:
    """After a confirmed interview's time: whether she came (only the employer sees it). Committed."""
    _acts_for(actor, interview.application)
    if interview.state not in ("confirmed", "done"):
        raise InterviewError("Solo se registra la asistencia de una entrevista confirmada.")
    if interview.starts_at > utcnow():
        raise InterviewError("La entrevista aún no empieza: registra la asistencia después.")
    interview.state, interview.attended = "done", attended
    db.session.commit()
    return interview


# --- Ends that follow others' --------------------------------------------------------------


def end_for_application(application: Application, reason: str, tell_employer: bool = False) -> int:
    """The application ended (rejected, withdrawn): its open interview is cancelled and the
    people told. Not committed (the caller commits with the application's change)."""
    interview = open_interview(application)
    if interview is None:
        return 0
    opening = application.opening
    student = application.student.user
    _cancel(interview, reason, f"Se canceló tu entrevista para «{opening.title}».",
            f"Se canceló la entrevista con {student.full_name} por «{opening.title}»." if tell_employer else None)
    return 1


HIRED_REASON = "Contratado/a"


def end_for_hire(application: Application) -> int:
    """She was hired: the interviews are over. A proposal, or a confirmed interview still
    ahead, is cancelled with the reason «Contratado/a» (as a rejection or a withdrawal
    cancels it: she is told, in words that fit, and the calendars get the CANCEL); marking
    it done would record an interview that never took place. A confirmed interview whose
    time has come stays as it is, for its attendance record. Not committed."""
    interview = open_interview(application)
    if interview is None or (interview.state == "confirmed" and interview.starts_at <= utcnow()):
        return 0
    opening = application.opening
    _cancel(interview, HIRED_REASON, f"Ya no hace falta tu entrevista para «{opening.title}»: te seleccionaron.",
            None)
    return 1


def end_for_opening(opening: Opening, reason: str) -> int:
    """The opening ended: every open interview of its applications is cancelled. Not committed."""
    interviews = list(db.session.scalars(
        select(Interview).join(Application, Application.id == Interview.application_id)
        .where(Application.opening_id == opening.id, Interview.state.in_(vocab.INTERVIEW_OPEN_STATES))
        .order_by(Interview.id)))
    for interview in interviews:
        _cancel(interview, reason, f"Se canceló tu entrevista para «{opening.title}».", None)
    return len(interviews)


def end_for_user(user: User) -> int:
    """An account is erased: its open interviews (as the student, or as the member who
    proposed them) are cancelled, the other side told. Not committed."""
    interviews = list(db.session.scalars(
        select(Interview).join(Application, Application.id == Interview.application_id)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(Interview.state.in_(vocab.INTERVIEW_OPEN_STATES),
               (StudentProfile.user_id == user.id) | (Interview.proposed_by_id == user.id))
        .order_by(Interview.id)))
    for interview in interviews:
        opening = interview.application.opening
        if interview.application.student.user_id == user.id:
            slots, confirmed = _sent_events(interview)
            interview.sequence += 1
            held = calendar.cancelled(interview, slots, confirmed) if (slots or confirmed) else None
            interview.state, interview.cancel_reason = "cancelled", "La persona eliminó su cuenta."
            interview.student_message = None
            text = f"Se canceló una entrevista por «{opening.title}»: la persona eliminó su cuenta."
            for member in _employer_side(interview):
                notify(member.id, "interview-cancelled", text, _employer_path(interview),
                       email=(f"Entrevista cancelada: {opening.title}",
                              f"{text}\n\nEl archivo adjunto la quita de tu calendario.") if held else None,
                       attachments=[held] if held else None)
        else:
            _cancel(interview, "La persona de la empresa que la propuso ya no está en el portal.",
                    f"Se canceló tu entrevista para «{opening.title}».", None, organizer_calendar=False)
    return len(interviews)


# --- Reminders (the worker) ----------------------------------------------------------------


def send_reminders() -> int:
    """Remind both sides 24 h and 2 h before each confirmed interview; how many reminders.

    Each reminder is claimed with one guarded UPDATE (`reminded_*_at IS NULL`) and
    committed with its emails, so a worker stopped anywhere, or two workers at once,
    never send one twice."""
    now = utcnow()
    sent = 0
    for column, before, words in REMINDERS:
        stamp = getattr(Interview, column)
        due = db.session.scalars(
            select(Interview.id).where(Interview.state == "confirmed", stamp.is_(None),
                                       Interview.starts_at > now, Interview.starts_at <= now + before)
            .order_by(Interview.starts_at)).all()
        for interview_id in due:
            claimed = db.session.execute(
                update(Interview).where(Interview.id == interview_id, stamp.is_(None), Interview.state == "confirmed")
                .values({column: now}).execution_options(synchronize_session=False)).rowcount
            if not claimed:
                db.session.rollback()
                continue
            interview = db.session.get(Interview, interview_id)
            _remind(interview, words)
            db.session.commit()
            sent += 1
    return sent


def _remind(interview: Interview, words: str) -> None:
    when = span(interview.starts_at, interview.ends_at)
    opening = interview.application.opening
    student = interview.application.student.user
    details = _details(interview)
    invitation = calendar.confirmed(interview)  # the same event again: added if missing, else unchanged
    if student.active and not student.deleted_at:
        text = f"Recordatorio: tu entrevista para «{opening.title}» es {words}, el {when}."
        notify(student.id, "interview-reminder", text, _student_path(interview),
               email=(f"Recordatorio: entrevista {words} ({opening.title})", f"{text} (hora de Lima)\n\n{details}\n\n"
                      "Si no puedes ir, avisa a la empresa cuanto antes. El archivo adjunto es la invitación, "
                      "por si no está en tu calendario. Detalles:"),
               attachments=[invitation])
    for member in _employer_side(interview):
        text = f"Recordatorio: tu entrevista con {student.full_name} es {words}, el {when}."
        notify(member.id, "interview-reminder", text, _employer_path(interview),
               email=(f"Recordatorio: entrevista {words} con {student.full_name}",
                      f"{text} (hora de Lima)\n\n{details}\n\nEl archivo adjunto es la invitación, por si no está en "
                      "tu calendario."),
               attachments=[invitation])
