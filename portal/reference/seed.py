"""Load the reference data (taxonomy and RMV table) idempotently: adds what is missing, keeps admin edits."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.models import Family, Module, Programme, RmvRate
from portal.reference.taxonomy_data import FAMILIES, RMV_RATES

RMV_BASIS = {
    "2018-04-01": "D.S. 004-2018-TR",
    "2022-05-01": "D.S. 003-2022-TR",
    "2025-01-01": "D.S. 006-2024-TR",
}


def seed_reference() -> dict[str, int]:
    """Insert families, programmes, modules and RMV rates that are not there yet."""
    added = {"families": 0, "programmes": 0, "modules": 0, "rmv_rates": 0}
    families = {f.name: f for f in db.session.scalars(select(Family))}
    programmes = {p.name: p for p in db.session.scalars(select(Programme))}
    modules = {(m.programme_id, m.name) for m in db.session.scalars(select(Module))}
    for position, spec in enumerate(FAMILIES):
        family = families.get(spec.name)
        if family is None:
            family = Family(name=spec.name, position=position)
            db.session.add(family)
            db.session.flush()
            added["families"] += 1
        for programme_spec in spec.programmes:
            programme = programmes.get(programme_spec.name)
            if programme is None:
                programme = Programme(
                    family_id=family.id, name=programme_spec.name, level=programme_spec.level
                )
                db.session.add(programme)
                db.session.flush()
                added["programmes"] += 1
            for module_position, module_name in enumerate(programme_spec.modules):
                if (programme.id, module_name) not in modules:
                    db.session.add(
                        Module(programme_id=programme.id, name=module_name, position=module_position)
                    )
                    added["modules"] += 1
    existing_rates = set(db.session.scalars(select(RmvRate.effective_from)))
    for effective, amount in RMV_RATES:
        day = date.fromisoformat(effective)
        if day not in existing_rates:
            db.session.add(
                RmvRate(effective_from=day, amount=Decimal(amount), legal_basis=RMV_BASIS.get(effective, ""))
            )
            added["rmv_rates"] += 1
    db.session.commit()
    return added
