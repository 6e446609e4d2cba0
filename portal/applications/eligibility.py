"""Who may apply to what: the legal condition of each Ley 28518 modality.

Prácticas preprofesionales are for current students; prácticas profesionales for
graduates within 12 months of graduating. The same rule serves matching.
"""
from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from portal import clock, formatting

PROFESSIONAL_WINDOW_MONTHS = 12
STUDENTS_ONLY = "practicas_preprofesionales"
RECENT_GRADUATES = "practicas_profesionales"


class Audience(NamedTuple):
    """Whom a modality is for: `key` names it in CSS classes, `words` on a card."""

    key: str
    words: str


# The modalities the law keeps for some people; every other kind is open to students and
# graduates alike. `legal_obstacle` below is the rule these words sum up.
AUDIENCES = {
    STUDENTS_ONLY: Audience("students", "Solo estudiantes"),
    RECENT_GRADUATES: Audience("graduates", f"Egresados hasta {PROFESSIONAL_WINDOW_MONTHS} meses"),
}


@lru_cache(maxsize=8192)  # pure, and matching asks it for the same dates thousands of times
def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def legal_obstacle(kind: str, status: str, graduation_date: date | None, today: date | None = None) -> str | None:
    """Why this person may not take this modality (Spanish), or None if they may."""
    today = today or clock.today()
    if kind == STUDENTS_ONLY and status != "estudiante":
        return ("Las prácticas preprofesionales son solo para quienes estudian actualmente en un CETPRO "
                "(Ley 28518). Tu perfil dice que ya egresaste.")
    if kind == RECENT_GRADUATES:
        if status == "estudiante" or graduation_date is None:
            return ("Las prácticas profesionales son para egresados(as) dentro de los 12 meses siguientes "
                    "a su egreso (Ley 28518). Tu perfil dice que aún estudias.")
        limit = add_months(graduation_date, PROFESSIONAL_WINDOW_MONTHS)
        if today > limit:
            return ("Las prácticas profesionales son para egresados(as) dentro de los 12 meses siguientes "
                    f"a su egreso (Ley 28518). Egresaste el {formatting.day(graduation_date)}; "
                    f"el plazo venció el {formatting.day(limit)}.")
    return None


def audience(kind: str) -> Audience | None:
    """Whom an opening of this kind is for, when the law says (None: anyone)."""
    return AUDIENCES.get(kind)


def audience_classes(status: str, graduation_date: date | None, today: date | None = None) -> str:
    """CSS classes that say, for each audience, whether this person is in it:
    "may-students not-graduates" for a current student. A list of cards carries them, so
    the cards' shared, cached HTML can say "puedes postular" or not to each student."""
    today = today or clock.today()
    return " ".join(
        f"{'may' if legal_obstacle(kind, status, graduation_date, today) is None else 'not'}-{who.key}"
        for kind, who in AUDIENCES.items())
