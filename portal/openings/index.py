"""The public listing from memory: every open opening's card and filters, per process.

The listing is read far more than openings change, and every keystroke of a search asks
for a count and a page. Each process keeps the open openings (what a card shows, and
the columns the filters read) and answers a listing from memory: filters and text
terms are bitmasks over the openings in the default order ("más recientes"), so a
filter is an AND, a count is a popcount and a page is the first set bits.

It is exact, not eventually right: before answering, the process reads the `openings`
data version (portal.versions), which every write to openings or companies moves in
its own transaction, and rebuilds when it moved or the Lima date changed (deadlines).
Text terms still come from the database's own index (FTS5 or tsvector, through
`search.matching_ids`), once per query per version, so the words an opening is found
by are exactly those of the SQL path. What it does not hold (other orders of large
result sets, deep pages), `queries.search_openings` answers in SQL.

This representation (bitmasks, positions, the `Snapshot`) is the listing's own: features
outside portal/openings/ read the open openings through portal/openings/listing.py, which
hands out openings, cards and opaque sets (an import-linter contract in pyproject.toml
keeps it so).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal import clock, metrics, versions
from portal.extensions import db
from portal.models import (
    Company,
    Family,
    Opening,
    Programme,
    opening_programmes,
)
from portal.openings import search
from portal.openings.cards import CARD_COLUMNS, ORDER_BY, CompanyName, OpeningCard, open_conditions

T = TypeVar("T")
TERM_CACHE = 2048  # distinct text queries remembered per version (the oldest go first)
SORT_LIMIT = 2000  # larger result sets in another order are sorted by SQL
DEEP_OFFSET = 2000  # deeper pages are read by SQL


def mask_of(positions) -> int:
    """An int with the given bit positions set (built as bytes: fast for thousands)."""
    positions = list(positions)
    if not positions:
        return 0
    bits = bytearray(max(positions) // 8 + 1)
    for position in positions:
        bits[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(bits, "little")


# The set bits of each byte value, for `members`.
_BYTE_BITS = [tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256)]


def members(mask: int) -> list[int]:
    """Every set bit position, lowest first (a byte at a time: fast for thousands)."""
    found = []
    for at, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) // 8, "little")):
        if byte:
            base = at << 3
            found.extend(base + bit for bit in _BYTE_BITS[byte])
    return found


def first(mask: int, count: int) -> list[int]:
    """The lowest `count` set bit positions (the first openings in the default order)."""
    return _positions(mask, 0, count)


def _positions(mask: int, skip: int, count: int) -> list[int]:
    """Positions of set bits, lowest first: `count` of them after skipping `skip`."""
    found = []
    while mask and len(found) < count:
        low = mask & -mask
        if skip:
            skip -= 1
        else:
            found.append(low.bit_length() - 1)
        mask ^= low
    return found


@dataclass(frozen=True)
class Taxonomy:
    """Family and programme names, for the listing's filters (watched by the same version)."""

    families: dict[int, str]
    programmes: dict[int, tuple[int, str]]  # id → (family id, name)


@dataclass
class Snapshot:
    version: tuple[int, date]
    taxonomy: Taxonomy
    cards: list[OpeningCard]  # in the default order (bit i = cards[i])
    position: dict[int, int]  # opening id → bit
    everything: int
    by: dict[tuple[str, object], int]  # ("familia", 3) → mask
    names_none: int  # openings that name no programme (they take the whole family)
    families: list[int] = field(default_factory=list)  # family id per position
    programmes: list[frozenset] = field(default_factory=list)  # accepted programme ids per position
    targets_all: int = 0  # openings for every CETPRO
    terms: OrderedDict = field(default_factory=OrderedDict)
    derived: dict = field(default_factory=dict)

    def derive(self, name: str, build: Callable[[Snapshot], T]) -> T:
        """What is computed from this snapshot (the API's list of open openings, and through
        `listing.OpenOpenings.derive` matching's requirements and targets), built once per
        snapshot, on the first request that needs it, and dropped with it at the next write."""
        held = self.derived.get(name)
        if held is None:
            with _lock:
                held = self.derived.get(name)
                if held is None:
                    held = self.derived[name] = build(self)
        return held

    def term_mask(self, query: str) -> int | None:
        key = " ".join(search.words(query))
        if not key:
            return None
        if (mask := self.terms.get(key)) is not None:
            return mask
        ids = db.session.scalars(search.matching_ids(key)).all()
        mask = mask_of(self.position[i] for i in ids if i in self.position)
        with _lock:  # the development server answers from several threads
            self.terms[key] = mask
            while len(self.terms) > TERM_CACHE:
                self.terms.popitem(last=False)
        return mask


# Reentrant: a derived build may read the snapshot through the API, which may derive in turn.
_lock = threading.RLock()


def snapshot(day: date) -> Snapshot:
    """The open openings as of the current data version (rebuilt when it moved).

    Checked once per request: the filters and the search of one request share it.
    """
    if has_request_context():
        held = g.get("listing_snapshot")
        if held is None or held.version[1] != day:
            held = g.listing_snapshot = _current(day)
        return held
    return _current(day)


def _current(day: date) -> Snapshot:
    state = current_app.extensions.setdefault("listing_index", {})
    version = (versions.current(db.session, "openings"), day)
    held = state.get("snapshot")
    if held is not None and held.version == version:
        return held
    with _lock:
        held = state.get("snapshot")
        if held is None or held.version != version:
            old, held = held, _build(version)
            state["snapshot"] = held
            if old is not None:
                # What features derived from it refers back to it (an OpeningSet holds its
                # snapshot): dropping it breaks that cycle, so the old snapshot goes at once
                # by reference counting, even when it was frozen out of the collector's
                # sight at the worker's start (gunicorn.conf.py).
                old.derived.clear()
    return held


def warm(*derived: tuple[str, Callable[[Snapshot], object]]) -> None:
    """Load the index now (a worker starting), and what features derive from it
    (`Snapshot.derive`), so the first visitor waits for neither."""
    try:
        held = snapshot(clock.today())
        for name, build in derived:
            held.derive(name, build)
    except SQLAlchemyError as error:
        # A worker (re)started while the database is away must still boot: gunicorn halts
        # altogether when a worker fails to boot. The first request builds the index instead.
        current_app.logger.warning("listing index not loaded at start, database unavailable: %s", error)
    db.session.remove()


@metrics.rebuild("listing")
def _build(version: tuple[int, date]) -> Snapshot:
    conditions = open_conditions(version[1])
    connection = db.session.connection()  # plain rows: the ORM's row handling cost more than the query
    rows = connection.execute(
        select(*CARD_COLUMNS, Opening.family_id, Opening.targets_all_cetpros)
        .join(Company, Company.id == Opening.company_id)
        .where(*conditions)
        .order_by(*ORDER_BY["recientes"])
    ).tuples().all()
    # Plain tuples, not named rows: this runs over every open opening on each rebuild.
    companies: dict[tuple, CompanyName] = {}
    cards, groups, families, for_all = [], {}, [], []
    for i, (id_, title, kind, department, province, work_mode, pay, deadline,
            legal_name, trade_name, verification, renamed_at, verified_by, family_id, targets_all) in enumerate(rows):
        families.append(family_id)
        if targets_all:
            for_all.append(i)
        company_key = (trade_name or legal_name, verification == "verified",
                       verification == "unverified" and renamed_at is not None,
                       verified_by if verification == "verified" else None)
        company = companies.get(company_key) or companies.setdefault(company_key, CompanyName(*company_key))
        cards.append(OpeningCard(id_, title, kind, department, province, work_mode, pay, deadline, company))
        for key in (("familia", family_id), ("departamento", department), ("provincia", province),
                    ("tipo", kind), ("modalidad", work_mode)):
            members = groups.get(key)
            if members is None:
                groups[key] = [i]
            else:
                members.append(i)
    position = {card.id: i for i, card in enumerate(cards)}
    named = set()
    accepted: dict[int, set] = {}
    for opening_id, programme_id in connection.execute(
        select(opening_programmes.c.opening_id, opening_programmes.c.programme_id)
        .join(Opening, Opening.id == opening_programmes.c.opening_id)
        .where(*conditions)
    ).tuples():
        if (at := position.get(opening_id)) is not None:
            groups.setdefault(("programa", programme_id), []).append(at)
            named.add(at)
            accepted.setdefault(at, set()).add(programme_id)
    # One frozenset per distinct set of programmes, shared by the openings that name it: a
    # few hundred objects for the garbage collector to walk instead of one per opening.
    shared: dict[frozenset, frozenset] = {}
    taxonomy = Taxonomy(
        families={id_: name for id_, name in db.session.execute(select(Family.id, Family.name))},
        programmes={id_: (family_id, name) for id_, family_id, name in
                    db.session.execute(select(Programme.id, Programme.family_id, Programme.name))},
    )
    return Snapshot(
        version=version, taxonomy=taxonomy, cards=cards,
        position=position, everything=(1 << len(cards)) - 1,
        by={key: mask_of(members) for key, members in groups.items()},
        names_none=mask_of(i for i in range(len(cards)) if i not in named),
        families=families, targets_all=mask_of(for_all),
        programmes=[shared.setdefault(named_ids, named_ids)
                    for named_ids in (frozenset(accepted.get(i, ())) for i in range(len(cards)))],
    )


def search_page(filters, day: date, page_size: int):
    """(cards, total) for the listing's filters, or None when SQL should answer."""
    offset = (filters.pagina - 1) * page_size
    if offset > DEEP_OFFSET:
        return None
    held = snapshot(day)
    mask = held.everything
    if filters.q:
        terms = held.term_mask(filters.q)
        if terms is not None:
            mask &= terms
    by = held.by.get
    if filters.programa:
        # An opening accepts a programme by naming it, or by naming none of its family's.
        mask &= by(("programa", filters.programa), 0) | (by(("familia", filters.familia), 0) & held.names_none)
    elif filters.familia:
        mask &= by(("familia", filters.familia), 0)
    if filters.provincia:
        mask &= by(("provincia", filters.provincia), 0)
    elif filters.departamento:
        mask &= by(("departamento", filters.departamento), 0)
    if filters.tipo:
        mask &= by(("tipo", filters.tipo), 0)
    if filters.modalidad:
        mask &= by(("modalidad", filters.modalidad), 0)
    total = mask.bit_count()
    if offset >= total:
        return [], total
    if filters.orden == "recientes":
        return [held.cards[i] for i in _positions(mask, offset, page_size)], total
    if total > SORT_LIMIT:
        return None
    found = _positions(mask, 0, total)
    found.sort(key=_ORDER_KEYS[filters.orden](held))
    return [held.cards[i] for i in found[offset:offset + page_size]], total


def _by_deadline(held: Snapshot):
    # deadline ascending, no deadline last, then newer id first (as ORDER_BY["cierre"])
    cards = held.cards
    return lambda i: (cards[i].deadline is None, cards[i].deadline or date.max, -cards[i].id)


def _by_pay(held: Snapshot):
    # pay descending, no pay last, then newer id first (as ORDER_BY["sueldo"])
    cards = held.cards
    return lambda i: (cards[i].pay_monthly is None, -(cards[i].pay_monthly or 0), -cards[i].id)


_ORDER_KEYS = {"cierre": _by_deadline, "sueldo": _by_pay}
