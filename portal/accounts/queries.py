"""Reads for the account forms."""
from __future__ import annotations

from sqlalchemy import select

from portal import places
from portal.extensions import db
from portal.models import Cetpro, Company, Family, Programme
from portal.reference import live


def cetpro_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Cetpro.id, Cetpro.name, Cetpro.department_code).where(Cetpro.active.is_(True)).order_by(Cetpro.name)
    )
    return [(id_, f"{name} ({places.name(dept) or ''})") for id_, name, dept in rows]


def programme_choices() -> dict[str, list[tuple[int, str]]]:
    """Programmes grouped by family, for <optgroup>s."""
    rows = db.session.execute(
        select(Family.name, Programme.id, Programme.name)
        .join(Programme, Programme.family_id == Family.id)
        .where(live.programmes())
        .order_by(Family.position, Programme.name)
    )
    grouped: dict[str, list[tuple[int, str]]] = {}
    for family, programme_id, programme in rows:
        grouped.setdefault(family, []).append((programme_id, programme))
    return grouped


def company_by_ruc(ruc: str) -> Company | None:
    return db.session.scalar(select(Company).where(Company.ruc == ruc))
