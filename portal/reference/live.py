"""What the choice lists offer: the catalogue without its retired items.

A retired family, programme or module stays on the records that hold it (a profile, an
opening, a roster row) and leaves every list people choose from: registration, profile
editing, the opening form, the listing's filters, the roster import's known names. A
programme of a retired family and a module of a retired programme leave with it. Each
function returns conditions to add to a query's WHERE, so a list reads the same rows it
read before, minus the retired ones; `keep` names ids a record already holds, which stay
choosable on that record's own form (an old opening keeps its retired programme).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, or_, select

from portal.models import Family, Module, Programme


def _unless_kept(column, live: ColumnElement, keep: Iterable[int] | None) -> ColumnElement:
    kept = sorted({int(i) for i in keep or () if i})
    return or_(live, column.in_(kept)) if kept else live


def families(keep: Iterable[int] | None = None) -> ColumnElement:
    return _unless_kept(Family.id, Family.retired_at.is_(None), keep)


def programmes(keep: Iterable[int] | None = None) -> ColumnElement:
    live_families = select(Family.id).where(Family.retired_at.is_(None))
    live = Programme.retired_at.is_(None) & Programme.family_id.in_(live_families)
    return _unless_kept(Programme.id, live, keep)


def modules(keep: Iterable[int] | None = None) -> ColumnElement:
    live_programmes = select(Programme.id).where(programmes())
    live = Module.retired_at.is_(None) & Module.programme_id.in_(live_programmes)
    return _unless_kept(Module.id, live, keep)
