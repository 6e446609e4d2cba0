"""Pieces shared by the demo and large data sets: names, identifiers, legal hours and pay."""
from __future__ import annotations

import calendar
import random
import re
from datetime import date
from decimal import ROUND_CEILING, Decimal
from functools import cache

from sqlalchemy import func, select
from stdnum.pe import ruc as ruc_module
from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.models import User
from portal.openings import legal
from portal.openings import rmv as rmv_table
from portal.skills import normalize_skill

__all__ = ["normalize_skill"]

PASSWORD = "enlace-demo"

# Used only when the RMV table is empty; the table (editable by admins) wins.
FALLBACK_RMV = Decimal("1130")

FEMALE_NAMES = (
    "María", "Rosa", "Carmen", "Ana", "Luz", "Juana", "Elizabeth", "Milagros", "Yesenia",
    "Katherine", "Lucía", "Fiorella", "Karen", "Rocío", "Sonia", "Gladys", "Noemí", "Flor",
    "Maribel", "Yolanda", "Diana", "Verónica", "Jhoselyn", "Estefany", "Marleny", "Ruth",
    "Nataly", "Brenda", "Liliana", "Sheyla", "Mayra", "Kiara", "Daniela", "Nelly", "Roxana",
)
MALE_NAMES = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "César", "Víctor", "Edwin", "Wilber",
    "Jhon", "Percy", "Fredy", "Raúl", "Alex", "Hugo", "Julio", "Walter", "Richard", "Elvis",
    "Kevin", "Brayan", "Anthony", "Diego", "Renzo", "Marco", "Héctor", "Rubén", "Efraín",
    "Yonatan", "Gerson", "Alfredo", "Rolando", "Nilton", "Franklin",
)
SURNAMES = (
    "Quispe", "Mamani", "Huamán", "Flores", "Rojas", "Condori", "Chávez", "García", "Ramos",
    "Torres", "Vargas", "Mendoza", "Gutiérrez", "Sánchez", "Ccama", "Apaza", "Choque", "Tito",
    "Huanca", "Ticona", "Cárdenas", "Paredes", "Salazar", "Castillo", "Díaz", "Espinoza",
    "Layme", "Yupanqui", "Palomino", "Zapata", "Cruz", "Morales", "Ríos", "Céspedes", "Pari",
    "Limachi", "Coaquira", "Villanueva", "Aguilar", "Pérez", "Rodríguez", "López", "Cáceres",
    "Medina", "Ccori", "Huillca", "Soto", "Chambi", "Arias", "Núñez", "Alarcón", "Inga",
    "Poma", "Ccahuana", "Puma", "Lázaro", "Zevallos", "Valdivia", "Salas", "Delgado",
)

AVAILABILITY = (
    "Lunes a viernes, turno mañana",
    "Lunes a sábado, tiempo completo",
    "Turno tarde (estudio por las mañanas)",
    "Fines de semana y feriados",
    "Inmediata, tiempo completo",
    "Turno noche",
)

LEGAL_FORMS = ("S.A.C.", "E.I.R.L.", "S.R.L.", "S.A.")


def email_local(text: str) -> str:
    """ASCII, lower-case piece of an email address."""
    return re.sub(r"[^a-z0-9]+", ".", normalize_skill(text)).strip(".")


@cache
def password_hash() -> str:
    # Hashing is deliberately slow; one hash serves every seeded account.
    return generate_password_hash(PASSWORD)


def ruc_from_body(body: int, prefix: str = "20") -> str:
    """An 11-digit RUC with a correct mod-11 check digit."""
    base = f"{prefix}{body:08d}"
    return base + ruc_module.calc_check_digit(base)


def mobile(rng: random.Random) -> str:
    """A Peruvian mobile number: 9 digits starting with 9."""
    return f"9{rng.randrange(10_000_000, 100_000_000)}"


def person(rng: random.Random) -> tuple[str, str, str]:
    """(first names, two surnames, sex) drawn from common Peruvian names."""
    sex = rng.choice("FM")
    first = rng.choice(FEMALE_NAMES if sex == "F" else MALE_NAMES)
    return first, f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}", sex


def current_rmv() -> Decimal:
    """The RMV in force today, from the RMV table (the rule of portal/openings/rmv.py)."""
    rate = rmv_table.in_force()
    return Decimal(rate.amount) if rate is not None else FALLBACK_RMV


def lawful_pay(kind: str, hours_per_week: Decimal, rmv: Decimal, factor: float = 1.0) -> Decimal:
    """A monthly pay at least the legal minimum (Ley 28518 for internships), rounded up to ten soles."""
    floor = max(legal.minimum_pay(kind, hours_per_week, rmv), rmv if kind == "empleo" else Decimal(0))
    return (floor * Decimal(str(factor)) / 10).quantize(Decimal("1"), rounding=ROUND_CEILING) * 10


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the 31st becomes the month's last day): follow-up due dates."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def max_id(model) -> int:
    return db.session.scalar(select(func.max(model.id))) or 0
