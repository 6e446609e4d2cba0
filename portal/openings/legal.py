"""Ley 28518 (modalidades formativas laborales) rules for openings. Pure: no database.

- Prácticas preprofesionales (aprendizaje con predominio en el centro de formación):
  at most 6 hours a day and 30 a week (Ley 28518).
- Prácticas profesionales: at most 8 hours a day and 48 a week (Ley 28518).
- The other formative modalities (aprendizaje con predominio en la empresa,
  capacitación laboral juvenil, pasantía) are held to the ordinary maximum working
  day, 8 hours a day and 48 a week (Constitución, art. 25). DESIGN.md names only
  the two limits above; this is the conservative reading for the rest.
- The monthly subvención is at least one RMV when the person works the modality's
  maximum weekly hours, proportional for fewer. Unpaid is not allowed.
- A job (`empleo`) is not a formative modality; if it states a pay, the pay may not
  be below the RMV proportional to 48 weekly hours (the minimum wage).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_UP, Decimal

from portal import vocab
from portal.formatting import day, money

# (max hours per day, max hours per week)
MAX_HOURS: dict[str, tuple[int, int]] = {
    "practicas_preprofesionales": (6, 30),
    "practicas_profesionales": (8, 48),
    "aprendizaje_empresa": (8, 48),
    "capacitacion_juvenil": (8, 48),
    "pasantia": (8, 48),
    "empleo": (8, 48),
}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def minimum_pay(kind: str, hours_per_week: Decimal | None, rmv: Decimal) -> Decimal:
    """The lowest lawful monthly pay for these weekly hours: RMV × hours / maximum hours."""
    _, max_week = MAX_HOURS[kind]
    hours = Decimal(hours_per_week) if hours_per_week else Decimal(max_week)
    share = min(Decimal(1), hours / Decimal(max_week))
    return (rmv * share).quantize(Decimal("0.01"), rounding=ROUND_UP)


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def check(kind: str, hours_per_day: Decimal | None, hours_per_week: Decimal | None,
          pay: Decimal | None, rmv: Decimal, rmv_date: date | None = None) -> list[Problem]:
    """Every rule this opening breaks, with a message that names the rule and the number."""
    problems: list[Problem] = []
    if kind not in MAX_HOURS:
        return [Problem("kind", "Elige un tipo de oferta de la lista.")]
    label = vocab.OPENING_KINDS[kind]
    formative = kind in vocab.FORMATIVE_KINDS
    max_day, max_week = MAX_HOURS[kind]
    law = "Ley 28518" if formative else "jornada máxima legal"
    if hours_per_day is not None and hours_per_day > max_day:
        problems.append(Problem(
            "hours_per_day",
            f"{label}: como máximo {max_day} horas diarias ({law}); pusiste {_hours(hours_per_day)}.",
        ))
    if hours_per_week is not None and hours_per_week > max_week:
        problems.append(Problem(
            "hours_per_week",
            f"{label}: como máximo {max_week} horas semanales ({law}); pusiste {_hours(hours_per_week)}.",
        ))
    if hours_per_day is not None and hours_per_week is not None and hours_per_week > hours_per_day * 7:
        problems.append(Problem(
            "hours_per_week",
            f"Las horas semanales ({_hours(hours_per_week)}) no pueden superar 7 días de {_hours(hours_per_day)} horas.",
        ))
    worked = min(hours_per_week, Decimal(max_week)) if hours_per_week else Decimal(max_week)
    minimum = minimum_pay(kind, worked, rmv)
    rate = money(rmv) + (f" (vigente desde el {day(rmv_date)})" if rmv_date else "")
    if worked < max_week:
        basis = f"la RMV de {rate} proporcional a {_hours(worked)} de {max_week} horas semanales"
    else:
        basis = f"una RMV de {rate} por {max_week} horas semanales"
    if formative and (pay is None or pay <= 0):
        problems.append(Problem(
            "pay_monthly",
            f"Las modalidades formativas pagan una subvención mensual (Ley 28518). "
            f"El mínimo para este horario es {money(minimum)}: {basis}.",
        ))
    elif pay is not None and pay < minimum:
        what = "La subvención" if formative else "El sueldo"
        problems.append(Problem(
            "pay_monthly",
            f"{what} no puede ser menor de {money(minimum)}: {basis}. Pusiste {money(pay)}.",
        ))
    return problems
