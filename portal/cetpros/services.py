"""Writes on CETPROs: create, edit, deactivate and reactivate, each audited. The admin
pages and the `cetpros create` command call these. No request, no templates."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import places, vocab
from portal.audit import audit
from portal.cetpros import queries
from portal.extensions import db
from portal.models import Cetpro, Programme, User

CODIGO_MODULAR = re.compile(r"[0-9]{7}")


class CetproError(ValueError):
    """Data that breaks a rule; `errors` maps form fields to Spanish messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass
class CetproData:
    codigo_modular: str
    name: str
    management: str = "publica"
    ugel: str = ""
    department_code: str = ""
    province_code: str = ""
    district_code: str = ""
    programme_ids: list[int] = field(default_factory=list)

    def cleaned(self) -> CetproData:
        return CetproData(
            codigo_modular=(self.codigo_modular or "").replace(" ", "").strip(),
            name=" ".join((self.name or "").split()),
            management=(self.management or "").strip(),
            ugel=" ".join((self.ugel or "").split()),
            department_code=(self.department_code or "").strip(),
            province_code=(self.province_code or "").strip(),
            district_code=(self.district_code or "").strip(),
            programme_ids=list(dict.fromkeys(self.programme_ids or [])),
        )


def _taken_message(other: Cetpro) -> str:
    state = "" if other.active else " (desactivado)"
    return (f"El código modular {other.codigo_modular} ya es de {other.name}{state}. "
            "Cada CETPRO tiene un código modular propio: revisa el número en ESCALE del Minedu.")


def problems(data: CetproData, current: Cetpro | None = None) -> dict[str, str]:
    """Spanish messages for what is wrong with `data` (cleaned), by form field."""
    errors: dict[str, str] = {}
    if not CODIGO_MODULAR.fullmatch(data.codigo_modular):
        errors["codigo_modular"] = ("El código modular tiene 7 dígitos, sin letras ni guiones "
                                    "(por ejemplo, 0512345).")
    else:
        other = queries.by_codigo(data.codigo_modular)
        if other is not None and (current is None or other.id != current.id):
            errors["codigo_modular"] = _taken_message(other)
    if not data.name:
        errors["name"] = "Escribe el nombre del CETPRO."
    elif len(data.name) > 200:
        errors["name"] = "El nombre tiene como máximo 200 caracteres."
    if data.management not in vocab.CETPRO_MANAGEMENT:
        errors["management"] = "Elige si la gestión es pública o privada."
    if len(data.ugel) > 120:
        errors["ugel"] = "La UGEL o DRE tiene como máximo 120 caracteres."
    place = places.place_errors(data.department_code, data.province_code, data.district_code)
    errors.update(place)
    if not place:
        if not data.department_code:
            errors["department_code"] = "Elige el departamento del CETPRO."
        elif not data.province_code:
            errors["province_code"] = "Elige la provincia del CETPRO."
    if data.programme_ids:
        known = set(db.session.scalars(select(Programme.id).where(Programme.id.in_(data.programme_ids))))
        if known != set(data.programme_ids):
            errors["programme_ids"] = "Elige programas del catálogo."
    return errors


def _apply(cetpro: Cetpro, data: CetproData) -> None:
    for name in ("codigo_modular", "name", "management", "ugel", "department_code", "province_code"):
        setattr(cetpro, name, getattr(data, name))
    cetpro.district_code = data.district_code or None
    cetpro.programmes = list(db.session.scalars(select(Programme).where(Programme.id.in_(data.programme_ids))))


def _save(cetpro: Cetpro, data: CetproData) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took the código modular at the same moment (a unique key).
        db.session.rollback()
        other = queries.by_codigo(data.codigo_modular)
        raise CetproError({"codigo_modular": _taken_message(other) if other else
                           "No pudimos guardar el CETPRO; vuelve a intentarlo."}) from None


def create(data: CetproData, actor: User | None) -> Cetpro:
    """A new, active CETPRO. Raises CetproError and writes nothing when data is wrong."""
    data = data.cleaned()
    if errors := problems(data):
        raise CetproError(errors)
    cetpro = Cetpro(active=True)
    _apply(cetpro, data)
    db.session.add(cetpro)
    _save(cetpro, data)
    audit("cetpro.created", cetpro, actor, codigo_modular=cetpro.codigo_modular, name=cetpro.name)
    db.session.commit()
    return cetpro


def update(cetpro: Cetpro, data: CetproData, actor: User) -> list[str]:
    """Change a CETPRO's record; returns the names of the fields that changed (audited)."""
    data = data.cleaned()
    if errors := problems(data, cetpro):
        raise CetproError(errors)
    before = {name: getattr(cetpro, name) or "" for name in
              ("codigo_modular", "name", "management", "ugel", "department_code", "province_code", "district_code")}
    before["programme_ids"] = sorted(p.id for p in cetpro.programmes)
    _apply(cetpro, data)
    after = {name: getattr(cetpro, name) or "" for name in before if name != "programme_ids"}
    after["programme_ids"] = sorted(p.id for p in cetpro.programmes)
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        db.session.rollback()
        return []
    _save(cetpro, data)
    audit("cetpro.updated", cetpro, actor, changes={n: [before[n], after[n]] for n in changed})
    db.session.commit()
    return changed


def set_active(cetpro: Cetpro, active: bool, actor: User) -> bool:
    """Deactivate (or reactivate) a CETPRO. Its students, coordinators and history stay;
    a deactivated one leaves every choice list. False when it already was so."""
    if cetpro.active == active:
        return False
    cetpro.active = active
    audit("cetpro.reactivated" if active else "cetpro.deactivated", cetpro, actor)
    db.session.commit()
    return True
