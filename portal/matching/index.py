"""Matching's facts of the open openings: what it reads of every open opening besides what
the listing holds — requirements and CETPRO targets — and the reads the candidates page,
the employer's Recomendados, a student's recommendations and the coordinator dashboard
make from them.

The open openings come from the listing's API (portal.openings.listing); matching never
sees how the listing holds them. Its own facts are derived from them (`OpenOpenings.derive`),
exact as of the same data version and dropped with it; the tables they are read from are
watched by that version (portal/versions.py, checked by tests/openings/test_listing_tables.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select

from portal import metrics
from portal.extensions import db
from portal.matching.engine import OpeningFacts, Requirement
from portal.models import Module, OpeningRequirement, opening_cetpros
from portal.openings import listing
from portal.openings.cards import OpeningCard
from portal.openings.listing import OpeningSet, OpeningSets, OpenOpening, OpenOpenings

NAME = "matching"  # what matching derives from the open openings is kept under this name


@dataclass(frozen=True)
class MatchingFacts:
    """What matching reads of every open opening besides what the listing holds.

    Built on the first request that needs it for a version, not with the listing: the
    listing never reads requirements, and most writes are followed by listing requests.
    """

    requirements: dict[int, tuple]  # open opening's id → its engine.Requirements, in the opening's order
    by_cetpro: OpeningSets  # CETPRO id → openings that name it among their targets
    # What a student's recommendations read to score most openings by group, not one by one
    # (portal/matching/recommendations.py): a requirement's key (("module", 12),
    # ("skill", "excel")) → the openings asking it, required or desired; NO_REQUIRED and
    # NO_DESIRED → the openings asking no required, no desired item (few); an
    # opening's deadline (NO_DEADLINE when it has none) → the openings closing that day.
    # A refresh rewrites the sets of the keys a changed opening asks or asked, and of the
    # deadlines it has or had (`requirements` and `deadlines` say what it asked and had).
    asking: OpeningSets
    closing: OpeningSets
    # Opening id → the CETPROs it names (what `by_cetpro` holds, the other way round), so a
    # refresh rewrites only the sets of the CETPROs a changed opening names or named.
    # Entries of openings no longer open may stay (read only for changed openings; never
    # removed, so a copy of either dict stays a fast copy).
    targeted: dict[int, tuple] = field(default_factory=dict)
    deadlines: dict[int, date] = field(default_factory=dict)  # opening id → its key in `closing` (may stay, as `targeted`)


NO_REQUIRED, NO_DESIRED = ("asks none", True), ("asks none", False)  # `asking`'s keys besides requirements'
NO_DEADLINE = date.max  # `closing`'s key of the openings without a deadline (they rank after every dated one)


def facts(open_now: OpenOpenings) -> MatchingFacts:
    """Matching's facts of these open openings (built on first use, carried to the next
    version with only the changed openings re-read)."""
    return open_now.derive(NAME, _build, _refresh)


def warm() -> None:
    """Load the listing's index and matching's facts now (a worker starting)."""
    listing.warm((NAME, _build, _refresh))


@metrics.rebuild("matching")
def _build(open_now: OpenOpenings) -> MatchingFacts:
    """Every requirement and CETPRO target of the open openings, and the sets by
    requirement and by deadline that a student's recommendations read.

    Read whole (the rows of openings not open are dropped here, which costs less than
    joining openings in SQL), in id order so each opening's requirements keep the order
    its page shows; through the connection, as plain tuples.
    """
    connection = db.session.connection()
    module_names = {id_: name for id_, name in connection.execute(select(Module.id, Module.name))}
    is_open = open_now.ids()
    requirements: dict[int, list] = {opening_id: [] for opening_id in is_open}
    shared: dict[tuple, Requirement] = {}  # the same module asked by thousands of openings: one object
    of = requirements.get  # None: not open
    asked_by: dict[tuple, list[int]] = {}  # `asking`'s ids by key (an id may come twice: one bit)
    for opening_id, module_id, skill, skill_normalized, required in connection.execute(
        select(OpeningRequirement.opening_id, OpeningRequirement.module_id, OpeningRequirement.skill,
               OpeningRequirement.skill_normalized, OpeningRequirement.required)
        .order_by(OpeningRequirement.id)
    ).tuples():
        if (asked := of(opening_id)) is None:
            continue
        fact = _fact(module_id, module_names.get(module_id), skill, skill_normalized, required)
        asked.append(shared.get(fact) or shared.setdefault(fact, Requirement(*fact)))
        if (ids := asked_by.get(fact[0])) is None:
            asked_by[fact[0]] = [opening_id]
        else:
            ids.append(opening_id)
    targets: dict[int, list[int]] = {}
    targeted: dict[int, list[int]] = {}
    for opening_id, cetpro_id in connection.execute(
        select(opening_cetpros.c.opening_id, opening_cetpros.c.cetpro_id)
    ).tuples():
        if opening_id in is_open:
            targets.setdefault(cetpro_id, []).append(opening_id)
            targeted.setdefault(opening_id, []).append(cetpro_id)
    for opening_id, asked in requirements.items():
        if not any(r.required for r in asked):
            asked_by.setdefault(NO_REQUIRED, []).append(opening_id)
        if all(r.required for r in asked):
            asked_by.setdefault(NO_DESIRED, []).append(opening_id)
    deadlines = {card.id: card.deadline or NO_DEADLINE for card, _, _ in open_now.all().openings()}
    return MatchingFacts(requirements={opening_id: tuple(r) for opening_id, r in requirements.items()},
                         by_cetpro=open_now.sets_by_key(targets),
                         targeted={opening_id: tuple(ids) for opening_id, ids in targeted.items()},
                         asking=open_now.sets_by_key(asked_by),
                         closing=open_now.sets_by_key(_closing(deadlines)), deadlines=deadlines)


def _asked_by(requirements: dict[int, list | tuple]) -> dict[tuple, list[int]]:
    """`asking`'s ids by key for these openings' requirements: each key they ask, and
    NO_REQUIRED / NO_DESIRED for those asking no required / no desired item."""
    found: dict[tuple, list[int]] = {}
    for opening_id, asked in requirements.items():
        for key in _keys_of(asked):
            found.setdefault(key, []).append(opening_id)
    return found


def _keys_of(asked: tuple) -> set:
    """The keys of `asking` whose sets hold an opening asking these requirements."""
    keys = {r.key for r in asked}
    if not any(r.required for r in asked):
        keys.add(NO_REQUIRED)
    if all(r.required for r in asked):
        keys.add(NO_DESIRED)
    return keys


def _closing(deadlines: dict[int, date]) -> dict[date, list[int]]:
    """`closing`'s ids by deadline."""
    found: dict[date, list[int]] = {}
    for opening_id, deadline in deadlines.items():
        found.setdefault(deadline, []).append(opening_id)
    return found


def _fact(module_id, module_name, skill, skill_normalized, required) -> tuple:
    """An `engine.Requirement`'s fields from a requirement row: a module, or a skill."""
    if module_id:
        return ("module", module_id), module_name, bool(required)
    return ("skill", skill_normalized), skill, bool(required)


# Built once: a refresh reads a few rows, and building these cost as much as running them.
_CHANGED_REQUIREMENTS = (
    select(OpeningRequirement.opening_id, OpeningRequirement.module_id, Module.name, OpeningRequirement.skill,
           OpeningRequirement.skill_normalized, OpeningRequirement.required)
    .outerjoin(Module, Module.id == OpeningRequirement.module_id)
    .where(OpeningRequirement.opening_id.in_(bindparam("ids", expanding=True)))
    .order_by(OpeningRequirement.id)
)
_CHANGED_TARGETS = select(opening_cetpros.c.opening_id, opening_cetpros.c.cetpro_id).where(
    opening_cetpros.c.opening_id.in_(bindparam("ids", expanding=True)))


@metrics.rebuild("matching-refresh")
def _refresh(old: MatchingFacts, open_now: OpenOpenings, changed: listing.Changed) -> MatchingFacts:
    """`old` with the requirements and targets of the changed openings read again (those
    not open now are left out): one statement each, over those openings only. What did not
    change is shared with `old` (an edit of a title leaves both dicts as they were), and
    only the sets of the CETPROs a changed opening names, or named, are rewritten."""
    connection = db.session.connection()
    now_open = sorted(i for i in changed.ids if i in open_now)
    asked: dict[int, list] = {opening_id: [] for opening_id in now_open}
    targets: dict[int, list[int]] = {}
    names: dict[int, list[int]] = {opening_id: [] for opening_id in now_open}
    if now_open:
        for opening_id, module_id, module_name, skill, skill_normalized, required in connection.execute(
                _CHANGED_REQUIREMENTS, {"ids": now_open}).tuples():
            asked[opening_id].append(Requirement(*_fact(module_id, module_name, skill, skill_normalized, required)))
        for opening_id, cetpro_id in connection.execute(_CHANGED_TARGETS, {"ids": now_open}).tuples():
            targets.setdefault(cetpro_id, []).append(opening_id)
            names[opening_id].append(cetpro_id)
    fresh = {opening_id: tuple(r) for opening_id, r in asked.items()}
    requirements = _updated(old.requirements, fresh)
    targeted = _updated(old.targeted, {opening_id: tuple(c) for opening_id, c in names.items()
                                       if c or old.targeted.get(opening_id)})
    named_before = set().union(*(old.targeted.get(opening_id, ()) for opening_id in changed.ids))
    asked_before = set().union(*(_keys_of(old.requirements.get(opening_id, ())) for opening_id in changed.ids))
    closing_now = {opening_id: open_now.card(opening_id).deadline or NO_DEADLINE for opening_id in now_open}
    closed_before = {old.deadlines[opening_id] for opening_id in changed.ids if opening_id in old.deadlines}
    return MatchingFacts(requirements=requirements, targeted=targeted,
                         by_cetpro=changed.carry_sets(old.by_cetpro, named_before, targets),
                         asking=changed.carry_sets(old.asking, asked_before, _asked_by(fresh)),
                         closing=changed.carry_sets(old.closing, closed_before, _closing(closing_now)),
                         deadlines=_updated(old.deadlines, closing_now))


def _updated(held: dict, fresh: dict) -> dict:
    """`held` with `fresh`'s entries: `held` itself when they change nothing, else a copy."""
    if all(held.get(key) == value for key, value in fresh.items()):
        return held
    return {**held, **fresh}


def facts_of(opening: OpenOpening | tuple, matching: MatchingFacts) -> OpeningFacts:
    """The engine's facts of one open opening (an `OpenOpening`, or its fields as `OpeningSet.openings` gives them)."""
    card, family_id, programme_ids = opening
    return OpeningFacts(id=card.id, kind=card.kind, family_id=family_id, programme_ids=programme_ids,
                        requirements=matching.requirements.get(card.id, ()), department_code=card.department_code,
                        province_code=card.province_code, work_mode=card.work_mode, title=card.title)


def targets(open_now: OpenOpenings, cetpro_id: int) -> OpeningSet:
    """The openings a CETPRO's students may take: for every CETPRO, or naming this one."""
    every, named = open_now.for_every_cetpro(), facts(open_now).by_cetpro.get(cetpro_id)
    return every if named is None else every | named


def open_opening_facts(opening_ids, today: date) -> dict[int, OpeningFacts]:
    """The engine's facts of the open openings among these ids, from the listing's index
    (no statement past its version read); the ids of openings not open are left out."""
    open_now = listing.open_openings(today)
    matching = facts(open_now)
    return {opening_id: facts_of(opening, matching) for opening_id in opening_ids
            if (opening := open_now.get(opening_id)) is not None}


def open_opening(opening_id: int, cetpro_id: int, today: date) -> tuple[OpeningCard, OpeningFacts, bool] | None:
    """(listing card, engine facts, whether it targets this CETPRO) of an open opening, from
    the listing's index with no statement past its version read; None when not open."""
    open_now = listing.open_openings(today)
    if (opening := open_now.get(opening_id)) is None:
        return None
    return opening.card, facts_of(opening, facts(open_now)), opening_id in targets(open_now, cetpro_id)


def relevant_to_cetpro(cetpro_id: int, programme_ids, today: date, limit: int = 10) -> list[OpeningCard]:
    """Open openings that target this CETPRO, or are for every CETPRO and take one of the
    programmes it teaches (by family, or naming the programme): the newest `limit` cards."""
    open_now = listing.open_openings(today)
    programmes = open_now.programmes
    taking = open_now.none()
    for programme_id in programme_ids:
        taking |= open_now.naming_programme(programme_id) | open_now.in_family(programmes[programme_id][0])
    named = facts(open_now).by_cetpro.get(cetpro_id, open_now.none())
    return (named | (open_now.for_every_cetpro() & taking)).first(limit)
