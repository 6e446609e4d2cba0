"""Pure rules for placements: when follow-ups fall due, and the convenio de prácticas deadline.

No database, no request: the services, the queries and the cron command all ask here.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from portal import vocab
from portal.applications.eligibility import add_months
from portal.formatting import day

FOLLOW_UP_MONTHS = vocab.FOLLOW_UP_MONTHS
# A follow-up still unanswered this many days after it fell due is highlighted.
OVERDUE_AFTER_DAYS = 14
# The one-tap link emailed to the graduate.
TOKEN_SALT = "followup"
TOKEN_MAX_AGE = 60 * 24 * 3600
# Convenios de modalidades formativas are registered with the MTPE within 15 (calendar)
# days of being signed (Ley 28518 and its reglamento, D.S. 007-2005-TR); we warn 5 days ahead.
REGISTRATION_DAYS = 15
REGISTRATION_WARNING_DAYS = 5



def due_date(start: date, months: int) -> date:
    """The follow-up date: the same day `months` later, clamped (31 Jan + 3 → 30 Apr)."""
    return add_months(start, months)


def latest_start_due(on: date, months: int) -> date:
    """The latest start date whose follow-up at `months` is due by `on`.

    `due_date` never decreases as the start moves later, so "due by `on`" is exactly
    `start <= latest_start_due(on, months)`, a range the (cetpro_id, start_date) index serves.
    On a month's last day every later start of the earlier month clamps to it too
    (30 Apr: starts up to 31 Jan are due at 3 months).
    """
    cutoff = add_months(on, -months)
    if on.day == calendar.monthrange(on.year, on.month)[1]:
        cutoff = cutoff.replace(day=calendar.monthrange(cutoff.year, cutoff.month)[1])
    return cutoff


def due_months(start: date, on: date) -> list[int]:
    """The follow-ups (3, 6, 12) that are due by `on` for a placement started on `start`."""
    return [months for months in FOLLOW_UP_MONTHS if due_date(start, months) <= on]


@dataclass(frozen=True)
class Slot:
    """One follow-up of a placement as people see it, whether or not its row exists yet."""

    months: int
    due: date
    follow_up: object | None  # a FollowUp row, once created
    state: str  # answered | overdue | due | scheduled

    @property
    def answerable(self) -> bool:
        return self.state in ("due", "overdue")


def follow_up_state(due: date, answered: bool, on: date) -> str:
    if answered:
        return "answered"
    if due > on:
        return "scheduled"
    if (on - due).days > OVERDUE_AFTER_DAYS:
        return "overdue"
    return "due"


def slots(start: date, follow_ups, on: date) -> list[Slot]:
    """The three follow-ups of a placement, from its rows where they exist."""
    by_months = {f.months: f for f in follow_ups}
    result = []
    for months in FOLLOW_UP_MONTHS:
        row = by_months.get(months)
        due = row.due_date if row is not None else due_date(start, months)
        answered = row is not None and row.answer is not None
        result.append(Slot(months, due, row, follow_up_state(due, answered, on)))
    return result


@dataclass(frozen=True)
class AgreementCheck:
    """The convenio de prácticas checklist of an internship placement."""

    parties: tuple[str, ...]
    signed_on: date | None
    registered_on: date | None
    deadline: date | None
    days_left: int | None
    state: str  # unsigned | pending | approaching | late | registered | registered_late

    @property
    def warning(self) -> str | None:
        if self.state == "approaching":
            days = self.days_left
            when = "hoy" if days == 0 else ("mañana" if days == 1 else f"en {days} días")
            return (f"El plazo para registrar el convenio ante el MTPE vence {when} "
                    f"({day(self.deadline)}).")
        if self.state == "late":
            days = -self.days_left
            return (f"El plazo para registrar el convenio ante el MTPE venció el "
                    f"{day(self.deadline)} (hace {days} {'día' if days == 1 else 'días'}).")
        return None


def agreement_parties(kind: str) -> tuple[str, ...]:
    """Who signs: the company and the person; for prácticas preprofesionales also the CETPRO."""
    if kind == "practicas_preprofesionales":
        return ("company", "student", "cetpro")
    return ("company", "student")


def agreement_check(kind: str, signed_on: date | None, registered_on: date | None, on: date) -> AgreementCheck:
    parties = agreement_parties(kind)
    if signed_on is None:
        return AgreementCheck(parties, None, registered_on, None, None, "unsigned")
    deadline_date = signed_on + timedelta(days=REGISTRATION_DAYS)
    if registered_on is not None:
        state = "registered" if registered_on <= deadline_date else "registered_late"
        return AgreementCheck(parties, signed_on, registered_on, deadline_date, None, state)
    days_left = (deadline_date - on).days
    if days_left < 0:
        state = "late"
    elif days_left <= REGISTRATION_WARNING_DAYS:
        state = "approaching"
    else:
        state = "pending"
    return AgreementCheck(parties, signed_on, None, deadline_date, days_left, state)


def outcome_of_kind(kind: str) -> str:
    """The outcome category a placement of this kind starts with: a formative modality is a
    práctica, plain employment is empleo dependiente."""
    return "practica" if kind in vocab.FORMATIVE_KINDS else "empleo_dependiente"


# What each follow-up answer allows the graduate to say she does now, and what it means when
# she says nothing more ("still_there" keeps the placement's own category).
ANSWER_OUTCOMES = {
    "still_there": ("empleo_dependiente", "independiente", "practica"),
    "elsewhere": ("empleo_dependiente", "independiente", "practica"),
    "not_working": ("buscando", "estudios"),
}
ANSWER_DEFAULT_OUTCOME = {"elsewhere": "empleo_dependiente", "not_working": "buscando"}


def follow_up_outcome(answer: str, chosen: str, placement_outcome: str) -> str | None:
    """The outcome a follow-up answer records, or None when `chosen` contradicts the answer.

    Empty `chosen`: "still_there" keeps the placement's category, the others their default.
    """
    if not chosen:
        if answer == "still_there":
            return placement_outcome
        return ANSWER_DEFAULT_OUTCOME[answer]
    return chosen if chosen in ANSWER_OUTCOMES[answer] else None


@dataclass(frozen=True)
class FollowUpWording:
    """How a follow-up asks the graduate, by what the placement recorded: a question about
    "your job there" makes no sense to someone recorded as studying or looking for work."""

    title: str
    situation: str  # what was recorded, in her words ("empezaste a trabajar como …")
    buttons: tuple[tuple[str, str], ...]  # (answer, label), in the order shown
    elsewhere_question: str = "¿Trabajas ahora?"  # over the "where?" field of the "elsewhere" answer


def follow_up_wording(outcome: str, months: int, job_title: str, employer: str) -> FollowUpWording:
    ago = f"Hace {months} meses"
    if outcome in ("empleo_dependiente", "practica", "independiente"):
        if outcome == "independiente":
            situation = f"{ago} empezaste a trabajar por tu cuenta ({job_title})."
            title, still = "¿Sigues con esa actividad?", "Sí, sigo con esa actividad"
        else:
            what = "tus prácticas" if outcome == "practica" else "a trabajar"
            where = f" en {employer}" if employer else ""
            situation = f"{ago} empezaste {what} como {job_title}{where}."
            title, still = "¿Sigues trabajando allí?", "Sí, sigo trabajando allí"
        return FollowUpWording(title, situation, (("still_there", still), ("elsewhere", "Trabajo en otro lugar"),
                                                  ("not_working", "No estoy trabajando")), "¿Trabajas en otro lugar?")
    if outcome == "estudios":
        where = f" en {employer}" if employer else ""
        situation = f"{ago} nos contaste que estudiabas{where}."
        return FollowUpWording("¿Cómo te va ahora?", situation, (
            ("still_there", "Sigo estudiando"), ("elsewhere", "Ahora trabajo"),
            ("not_working", "No trabajo ni estudio")))
    situation = (f"{ago} nos contaste que buscabas empleo." if outcome == "buscando"
                 else f"{ago} tu CETPRO registró tu egreso sin saber a qué te dedicabas.")
    return FollowUpWording("¿Cómo te va ahora?", situation, (
        ("elsewhere", "Ahora trabajo"), ("not_working", "No estoy trabajando")))
