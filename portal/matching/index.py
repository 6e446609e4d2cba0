"""Matching's view of the listing's in-memory index (portal/openings/index.py): what it reads of
every open opening besides its card — requirements and CETPRO targets — built from the
same snapshot, exact as of the same data version, and the reads the candidates page,
the employer's Recomendados and the coordinator dashboard make from it.

Only this module (and the listing itself) reads the snapshot's bitmasks; the pages ask
for openings, facts and targets.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal import metrics
from portal.extensions import db
from portal.matching.engine import OpeningFacts, Requirement
from portal.models import Module, OpeningRequirement, opening_cetpros
from portal.openings import index
from portal.openings.cards import OpeningCard
from portal.openings.index import Snapshot


@dataclass(frozen=True)
class MatchingFacts:
    """What matching reads of every open opening besides its card (portal.matching).

    Built on the first request that needs it for a version, not with the listing: the
    listing never reads requirements, and most writes are followed by listing requests.
    """

    requirements: list[tuple]  # per position: engine.Requirement, in the opening's order
    by_cetpro: dict[int, int]  # CETPRO id → openings that name it among their targets


def facts(held: Snapshot) -> MatchingFacts:
    """The snapshot's matching facts (built on first use, dropped with the snapshot)."""
    return held.derive("matching", _build)


def warm() -> None:
    """Load the listing's index and matching's facts now (a worker starting)."""
    index.warm(("matching", _build))


@metrics.rebuild("matching")
def _build(held: Snapshot) -> MatchingFacts:
    """Every requirement and CETPRO target of the snapshot's openings.

    Read whole and kept by position (the rows of closed openings are dropped here, which
    costs less than joining openings in SQL), in id order so each opening's requirements
    keep the order its page shows; through the connection, as plain tuples.
    """
    connection = db.session.connection()
    module_names = {id_: name for id_, name in connection.execute(select(Module.id, Module.name))}
    requirements: list[list] = [[] for _ in held.cards]
    shared: dict[tuple, Requirement] = {}  # the same module asked by thousands of openings: one object
    position = held.position
    for opening_id, module_id, skill, skill_normalized, required in connection.execute(
        select(OpeningRequirement.opening_id, OpeningRequirement.module_id, OpeningRequirement.skill,
               OpeningRequirement.skill_normalized, OpeningRequirement.required)
        .order_by(OpeningRequirement.id)
    ).tuples():
        if (at := position.get(opening_id)) is None:
            continue
        fact = (("module", module_id), module_names[module_id], bool(required)) if module_id \
            else (("skill", skill_normalized), skill, bool(required))
        requirement = shared.get(fact) or shared.setdefault(fact, Requirement(*fact))
        requirements[at].append(requirement)
    targets: dict[int, list[int]] = {}
    for opening_id, cetpro_id in connection.execute(
        select(opening_cetpros.c.opening_id, opening_cetpros.c.cetpro_id)
    ).tuples():
        if (at := position.get(opening_id)) is not None:
            targets.setdefault(cetpro_id, []).append(at)
    return MatchingFacts(requirements=[tuple(r) for r in requirements],
                         by_cetpro={cetpro_id: index.mask_of(at) for cetpro_id, at in targets.items()})


def facts_at(held: Snapshot, matching: MatchingFacts, at: int) -> OpeningFacts:
    """The engine's facts of the opening at position `at` of the snapshot."""
    card = held.cards[at]
    return OpeningFacts(id=card.id, kind=card.kind, family_id=held.families[at], programme_ids=held.programmes[at],
                        requirements=matching.requirements[at], department_code=card.department_code,
                        province_code=card.province_code, work_mode=card.work_mode, title=card.title)


def targets(held: Snapshot, cetpro_id: int) -> int:
    """The openings a CETPRO's students may take: for every CETPRO, or naming this one."""
    return held.targets_all | facts(held).by_cetpro.get(cetpro_id, 0)


def open_opening_facts(opening_ids, today: date) -> dict[int, OpeningFacts]:
    """The engine's facts of the open openings among these ids, from the listing's index
    (no statement past its version read); the ids of openings not open are left out."""
    held = index.snapshot(today)
    matching = facts(held)
    return {opening_id: facts_at(held, matching, at) for opening_id in opening_ids
            if (at := held.position.get(opening_id)) is not None}


def open_opening(opening_id: int, cetpro_id: int, today: date) -> tuple[OpeningCard, OpeningFacts, bool] | None:
    """(listing card, engine facts, whether it targets this CETPRO) of an open opening, from
    the listing's index with no statement past its version read; None when not open."""
    held = index.snapshot(today)
    if (at := held.position.get(opening_id)) is None:
        return None
    targeted = bool(targets(held, cetpro_id) >> at & 1)
    return held.cards[at], facts_at(held, facts(held), at), targeted


def relevant_to_cetpro(cetpro_id: int, programme_ids, today: date, limit: int = 10) -> list[OpeningCard]:
    """Open openings that target this CETPRO, or are for every CETPRO and take one of the
    programmes it teaches (by family, or naming the programme): the newest `limit` cards."""
    held = index.snapshot(today)
    by, programmes = held.by.get, held.taxonomy.programmes
    taking = 0
    for programme_id in programme_ids:
        taking |= by(("programa", programme_id), 0) | by(("familia", programmes[programme_id][0]), 0)
    mask = facts(held).by_cetpro.get(cetpro_id, 0) | (held.targets_all & taking)
    return [held.cards[at] for at in index.first(mask, limit)]
