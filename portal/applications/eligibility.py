"""Who may apply to what: the legal condition of each Ley 28518 modality.

Prácticas preprofesionales are for current students; prácticas profesionales for
graduates within 12 months of graduating. The same rule serves matching.
"""
from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache

from portal import clock

PROFESSIONAL_WINDOW_MONTHS = 12


@lru_cache(maxsize=8192)  # pure, and matching asks it for the same dates thousands of times
def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def legal_obstacle(kind: str, status: str, graduation_date: date | None, today: date | None = None) -> str | None:
    """Why this person may not take this modality (Spanish), or None if they may."""
    today = today or clock.today()
    if kind == "practicas_preprofesionales" and status != "estudiante":
        return ("Las prácticas preprofesionales son solo para quienes estudian actualmente en un CETPRO "
                "(Ley 28518). Tu perfil dice que ya egresaste.")
    if kind == "practicas_profesionales":
        if status == "estudiante" or graduation_date is None:
            return ("Las prácticas profesionales son para egresados(as) dentro de los 12 meses siguientes "
                    "a su egreso (Ley 28518). Tu perfil dice que aún estudias.")
        limit = add_months(graduation_date, PROFESSIONAL_WINDOW_MONTHS)
        if today > limit:
            return ("Las prácticas profesionales son para egresados(as) dentro de los 12 meses siguientes "
                    f"a su egreso (Ley 28518). Egresaste el {graduation_date.strftime('%d/%m/%Y')}; "
                    f"el plazo venció el {limit.strftime('%d/%m/%Y')}.")
    return None
