"""Reads for the catalogue's admin pages: every item, retired ones too, with how much holds it."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Family, Module, Programme, StudentProfile, opening_programmes, student_modules


def families() -> list[tuple[Family, int]]:
    """Every family in catalogue order, with its number of programmes."""
    counts = dict(db.session.execute(
        select(Programme.family_id, func.count()).group_by(Programme.family_id)).all())
    rows = db.session.scalars(select(Family).order_by(Family.retired_at.is_not(None), Family.position, Family.name))
    return [(family, counts.get(family.id, 0)) for family in rows]


def programmes_of(family: Family) -> list[tuple[Programme, int, int]]:
    """A family's programmes with their students and the openings that name them."""
    students = dict(db.session.execute(
        select(StudentProfile.programme_id, func.count()).join(Programme)
        .where(Programme.family_id == family.id).group_by(StudentProfile.programme_id)).all())
    openings = dict(db.session.execute(
        select(opening_programmes.c.programme_id, func.count())
        .join(Programme, Programme.id == opening_programmes.c.programme_id)
        .where(Programme.family_id == family.id).group_by(opening_programmes.c.programme_id)).all())
    rows = db.session.scalars(select(Programme).where(Programme.family_id == family.id)
                              .order_by(Programme.retired_at.is_not(None), Programme.name))
    return [(p, students.get(p.id, 0), openings.get(p.id, 0)) for p in rows]


def modules_of(programme: Programme) -> list[tuple[Module, int]]:
    """A programme's modules in their order, with how many students hold each."""
    holders = dict(db.session.execute(
        select(student_modules.c.module_id, func.count()).join(Module, Module.id == student_modules.c.module_id)
        .where(Module.programme_id == programme.id).group_by(student_modules.c.module_id)).all())
    rows = db.session.scalars(select(Module).where(Module.programme_id == programme.id)
                              .order_by(Module.position, Module.id))
    return [(m, holders.get(m.id, 0)) for m in rows]


def merge_targets(programme: Programme) -> list[tuple[str, list[tuple[int, str]]]]:
    """Programmes another may be merged into (not retired), grouped by family."""
    rows = db.session.execute(
        select(Family.name, Programme.id, Programme.name).join(Programme, Programme.family_id == Family.id)
        .where(Programme.id != programme.id, Programme.merged_into_id.is_(None), Programme.retired_at.is_(None))
        .order_by(Family.position, Family.name, Programme.name))
    grouped: dict[str, list[tuple[int, str]]] = {}
    for family, id_, name in rows:
        grouped.setdefault(family, []).append((id_, name))
    return list(grouped.items())


def module_targets(module: Module) -> list[tuple[int, str]]:
    """The modules of the same programme that `module` may be merged into."""
    return list(db.session.execute(
        select(Module.id, Module.name).where(Module.programme_id == module.programme_id, Module.id != module.id,
                                             Module.merged_into_id.is_(None), Module.retired_at.is_(None))
        .order_by(Module.position, Module.id)).all())
