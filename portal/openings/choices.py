"""Choices for the opening form, read from the database: the catalogue's live items, plus
the ones the opening being edited already holds (a retired programme stays on it)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from portal import places
from portal.extensions import db
from portal.models import Cetpro, Family, Module, Opening, Programme
from portal.reference import live


@dataclass(frozen=True)
class Held:
    """The catalogue items an opening holds, which its own form keeps offering."""

    families: tuple[int, ...] = ()
    programmes: tuple[int, ...] = ()
    modules: tuple[int, ...] = ()

    @classmethod
    def of(cls, opening: Opening | None) -> Held:
        if opening is None:
            return cls()
        return cls((opening.family_id,), tuple(p.id for p in opening.programmes),
                   tuple(r.module_id for r in opening.requirements if r.module_id))


def families(keep: Iterable[int] = ()) -> list[SelectChoice]:
    rows = db.session.execute(select(Family.id, Family.name).where(live.families(keep)).order_by(Family.position))
    return [SelectChoice("", "Elige la familia")] + [SelectChoice(i, n) for i, n in rows]


def programmes_of(family_id: int | None, keep: Iterable[int] = ()) -> list[Programme]:
    if not family_id:
        return []
    return list(db.session.scalars(
        select(Programme).where(Programme.family_id == family_id, live.programmes(keep)).order_by(Programme.name)
    ))


def modules_of(family_id: int | None, keep: Iterable[int] = ()) -> list[Module]:
    if not family_id:
        return []
    return list(db.session.scalars(
        select(Module).join(Programme).where(Programme.family_id == family_id, live.modules(keep))
        .order_by(Programme.name, Module.position)
    ))


def cetpros(kept: Iterable[int] = ()) -> list[SelectChoice]:
    """The active CETPROs, plus the deactivated ones an opening already targets (`kept`):
    those stay on its record, and saving its form keeps them."""
    kept = list(kept)
    rows = db.session.execute(
        select(Cetpro.id, Cetpro.name, Cetpro.department_code, Cetpro.active)
        .where(or_(Cetpro.active.is_(True), Cetpro.id.in_(kept))).order_by(Cetpro.name)
    )
    return [SelectChoice(i, f"{n} ({places.name(d) or ''}){'' if active else ' · desactivado'}")
            for i, n, d, active in rows]


def place_choices(department: str | None, province: str | None) -> tuple[list, list, list]:
    blank = [SelectChoice("", "—")]
    departments = blank + [SelectChoice(c, n) for c, n in places.departments()]
    provinces = blank + [SelectChoice(c, n) for c, n in places.provinces(department or "")]
    districts = blank + [SelectChoice(c, n) for c, n in places.districts(province or "")]
    return departments, provinces, districts


def fill(form, family_id: int | None = None, held: Held = Held(), kept_cetpros: Iterable[int] = ()) -> None:
    """Give every select of the opening form its choices for the current data (`held`: the
    catalogue items the opening already holds; `kept_cetpros`: the CETPROs it already targets)."""
    family_id = family_id if family_id is not None else form.family_id.data
    form.family_id.choices = families(held.families)
    form.programme_ids.choices = [SelectChoice(p.id, p.name) for p in programmes_of(family_id, held.programmes)]
    modules = [SelectChoice(m.id, m.name, optgroup=m.programme.name) for m in modules_of(family_id, held.modules)]
    form.required_module_ids.choices = modules
    form.desired_module_ids.choices = list(modules)
    form.cetpro_ids.choices = cetpros(kept_cetpros)
    (form.department_code.choices, form.province_code.choices,
     form.district_code.choices) = place_choices(form.department_code.data, form.province_code.data)
