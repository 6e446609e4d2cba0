"""Editing the trade catalogue (/admin/catalogo): add, rename, reorder, retire, restore.

Each edit is one audited write. Nothing here deletes: students, openings and certificates
hold families, programmes and modules, so an item that should no longer be offered is
retired (portal.reference.live keeps it off the choice lists). The listing's and matching's
in-memory indexes see an edit on the next request: these tables are watched by the
`openings` data version (portal.versions), which the writing flush moves.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from portal import clock, vocab
from portal.audit import audit
from portal.extensions import db
from portal.models import Family, Module, Programme, User
from portal.skills import normalize_skill

NAME_LIMITS = {Family: 120, Programme: 160, Module: 200}
KIND_WORDS = {Family: "la familia", Programme: "el programa", Module: "el módulo"}
_SPACES = re.compile(r"\s+")


class CatalogueError(ValueError):
    """A bad input; the message is for people, `field` the form field it is about."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


def clean_name(model, name: str | None) -> str:
    text = _SPACES.sub(" ", name or "").strip()
    if not text:
        raise CatalogueError("Escribe el nombre.")
    if len(text) > NAME_LIMITS[model]:
        raise CatalogueError(f"El nombre puede tener hasta {NAME_LIMITS[model]} caracteres.")
    return text


def _taken(model, name: str, *where, but: int | None = None) -> str | None:
    """The existing name that reads the same (case, accents and spaces aside), if any."""
    wanted = normalize_skill(name)
    rows = db.session.execute(select(model.id, model.name).where(*where))
    return next((n for i, n in rows if i != but and normalize_skill(n) == wanted), None)


def _check_free(item, name: str) -> None:
    model = type(item)
    where = (Module.programme_id == item.programme_id,) if model is Module else ()
    if (other := _taken(model, name, *where, but=item.id)) is not None:
        place = " en este programa" if model is Module else ""
        raise CatalogueError(f"Ya existe «{other}»{place}. Elige otro nombre, o fusiona los dos.")


def _level(level: str | None) -> str:
    if level not in vocab.LEVELS:
        raise CatalogueError("Elige el nivel: Auxiliar Técnico o Técnico.", "level")
    return level


def _next_position(column, *where) -> int:
    return (db.session.scalar(select(func.max(column)).where(*where)) or 0) + 1


def add_family(actor: User, name: str) -> Family:
    family = Family(name=clean_name(Family, name), position=_next_position(Family.position))
    _check_free(family, family.name)
    db.session.add(family)
    db.session.flush()
    audit("catalogue.family_added", family, actor, name=family.name)
    db.session.commit()
    return family


def add_programme(actor: User, family: Family, name: str, level: str) -> Programme:
    programme = Programme(family_id=family.id, name=clean_name(Programme, name), level=_level(level))
    _check_free(programme, programme.name)
    if family.retired_at is not None:
        raise CatalogueError("La familia está retirada: reactívala antes de añadirle programas.")
    db.session.add(programme)
    db.session.flush()
    audit("catalogue.programme_added", programme, actor, name=programme.name, family=family.name,
          level=programme.level)
    db.session.commit()
    return programme


def add_module(actor: User, programme: Programme, name: str) -> Module:
    module = Module(programme_id=programme.id, name=clean_name(Module, name),
                    position=_next_position(Module.position, Module.programme_id == programme.id))
    _check_free(module, module.name)
    if programme.retired_at is not None:
        raise CatalogueError("El programa está retirado: reactívalo antes de añadirle módulos.")
    db.session.add(module)
    db.session.flush()
    audit("catalogue.module_added", module, actor, name=module.name, programme=programme.name)
    db.session.commit()
    return module


def rename(actor: User, item: Family | Programme | Module, name: str, level: str | None = None) -> None:
    """A new name (and, for a programme, level): every page shows it from the next request."""
    new = clean_name(type(item), name)
    _check_free(item, new)
    if isinstance(item, Programme) and level is not None:
        _level(level)
    changes = {}
    if new != item.name:
        changes["name"] = [item.name, new]
        item.name = new
    if isinstance(item, Programme) and level is not None and level != item.level:
        changes["level"] = [item.level, level]
        item.level = level
    if changes:
        audit(f"catalogue.{_kind(item)}_renamed", item, actor, **changes)
    db.session.commit()


def move(actor: User, module: Module, step: int) -> bool:
    """Swap a module with its neighbour above (-1) or below (+1) in its programme; False at an end."""
    siblings = list(db.session.scalars(
        select(Module).where(Module.programme_id == module.programme_id).order_by(Module.position, Module.id)))
    at = siblings.index(module)
    if not 0 <= at + step < len(siblings):
        return False
    siblings[at], siblings[at + step] = siblings[at + step], siblings[at]
    for position, sibling in enumerate(siblings, start=1):  # renumbered: seeded positions may repeat
        sibling.position = position
    audit("catalogue.module_moved", module, actor, programme_id=module.programme_id, position=at + step + 1)
    db.session.commit()
    return True


def retire(actor: User, item: Family | Programme | Module) -> None:
    """Off every choice list from now on; the records that hold it keep it."""
    if item.retired_at is None:
        item.retired_at = clock.utcnow()
        audit(f"catalogue.{_kind(item)}_retired", item, actor, name=item.name)
    db.session.commit()


def restore(actor: User, item: Family | Programme | Module) -> None:
    """Back on the choice lists. An item merged into another stays retired: its records moved."""
    if getattr(item, "merged_into_id", None) is not None:
        raise CatalogueError(f"No se puede reactivar {KIND_WORDS[type(item)]} «{item.name}»: se fusionó con otro "
                             "y sus registros ya están allí.", "retired")
    if item.retired_at is not None:
        item.retired_at = None
        audit(f"catalogue.{_kind(item)}_restored", item, actor, name=item.name)
    db.session.commit()


def _kind(item) -> str:
    return type(item).__name__.lower()
