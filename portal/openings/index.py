"""The public listing from memory: every open opening's card and filters, per process.

The listing is read far more than openings change, and every keystroke of a search asks
for a count and a page. Each process keeps the open openings (what a card shows, and
the columns the filters read) and answers a listing from memory: filters and text
terms are bitmasks over the openings in the default order ("más recientes"), so a
filter is an AND, a count is a popcount and a page is the first set bits.

It is exact, not eventually right: before answering, the process reads the `openings`
data version (portal.versions), which every write to openings or companies moves in
its own transaction. When it moved, the process reads which openings the moves changed
(the version's log) and re-reads only those: a write costs what it changes. It rebuilds
from scratch when the Lima date changed (deadlines), when a move reached every card (a
company renamed, the catalogue edited), or when the log no longer reaches its version.

Positions follow the default order backwards: bit 0 is the oldest publication, so a new
publication takes the next bit and nothing moves; pages are read from the highest bits.
An opening that leaves keeps its position, unset, and takes it again if it comes back
(a suspension lifted); one that must go between others (published with an older date
than the newest) makes the next read rebuild. Each refresh makes a new `Snapshot`: it
copies what it changes and shares the rest, so a request still reading the old one sees
it whole. Only the remembered text searches and the refreshes' history are shared by a
lineage of snapshots, and written under the lock.

What a refresh copies is in proportion to the change, not to the set. The per-position
lists (card, order key, family, programmes) are `Paged`: held in chunks of 64 entries
(`PAGE_BITS`), and a refreshed snapshot starts from its predecessor's list of chunks (a
list of 1,092 references for 69,877 openings) and copies a chunk only when it first writes
into it (copy-on-write): changing one opening copies four chunks of 64 entries, not four
lists of 69,877. The chunks are small because a copied chunk is walked by the garbage
collector (twice, as it ages) and each entry it holds is a card somewhere else in memory:
a hundred scattered openings at five times the set fell into about 53 of 69 chunks of
1,024 per list, so a refresh copied and the collector walked about 217,000 entries (21 ms
of collections in a 36 ms refresh); in chunks of 64 they touch about 96 chunks per list,
25,000 entries (7 ms), about what the same change copies at the set's size (21,000).
The id → position map (`PagedMap`) is chunked the same way by id, and only written when
an opening takes a new position. The masks are ints (the collector does not track them), and a refresh makes a new int
only for a mask whose members changed: an opening re-read into the same filters at the
same position (a title edited) leaves them all shared as they are. A changed mask costs a
few operations over its width (an AND and an XOR to clear, an OR to set; `mask_of` ORs a
few single bits in rather than converting a whole mask's bytes, and nothing takes a
full-width complement): at 100,000 positions each of those conversions or complements
cost about 10 µs, and a hundred changed openings touch a few hundred masks.
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

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from flask import current_app, g, has_request_context, request
from sqlalchemy import Date, bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from portal import clock, metrics, versions
from portal.bitsets import mask_of, members
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
TERM_CACHE = 2048  # distinct text queries remembered per lineage (the oldest go first)
HISTORY = 256  # refreshes a remembered text term can be brought through
SORT_LIMIT = 2000  # larger result sets in another order are sorted by SQL
DEEP_OFFSET = 2000  # deeper pages are read by SQL
REFRESH_LIMIT = 500  # more changed openings than this (and a tenth of the open ones): a rebuild


def newest_first(mask: int) -> list[int]:
    """Every set bit position, highest first (the listing's default order)."""
    found = members(mask)
    found.reverse()
    return found


def first(mask: int, count: int) -> list[int]:
    """The highest `count` set bit positions (the first openings in the default order)."""
    return _positions(mask, 0, count)


CHUNK = 1024  # bits read at a time from the top of a mask


def _positions(mask: int, skip: int, count: int) -> list[int]:
    """Positions of set bits, highest first: `count` of them after skipping `skip`.

    A chunk of the mask's top is shifted down at a time (one pass over the big int per
    chunk), and a chunk with no more set bits than are left to skip is skipped whole."""
    found: list[int] = []
    top = mask.bit_length()
    while top > 0 and len(found) < count:
        low = max(0, top - CHUNK)
        chunk = (mask >> low) & ((1 << (top - low)) - 1)
        if skip:
            ones = chunk.bit_count()
            if ones <= skip:
                skip -= ones
                top = low
                continue
        while chunk and len(found) < count:
            bit = chunk.bit_length() - 1
            chunk ^= 1 << bit
            if skip:
                skip -= 1
            else:
                found.append(low + bit)
        top = low
    return found


PAGE_BITS = 6  # 64 entries per chunk of the per-position lists and of the id → position map (see the module docstring)


class Paged:
    """A list by position, in chunks of 2**bits entries, that a refresh copies chunk by chunk.

    Read like a list (`held.cards[at]`, `len`, iteration). A snapshot's lists are never
    written: a refresh calls `edited()`, which shares every chunk of the old list, and its
    first write (or append) into a chunk copies that chunk alone; `done()` ends the editing
    (a later write raises), before the snapshot is handed out.
    """

    __slots__ = ("_chunks", "_bits", "_length", "_own")

    def __init__(self, chunks: list[list], bits: int, length: int, own: set | None = None) -> None:
        self._chunks, self._bits, self._length, self._own = chunks, bits, length, own

    @classmethod
    def of(cls, values: list, bits: int | None = None) -> Paged:
        bits = PAGE_BITS if bits is None else bits
        size = 1 << bits
        return cls([values[start:start + size] for start in range(0, len(values), size)], bits, len(values))

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, at: int):
        if not 0 <= at < self._length:  # a position past the end, or counted from it: not ours
            raise IndexError(at)
        return self._chunks[at >> self._bits][at & ((1 << self._bits) - 1)]

    def __iter__(self):
        for chunk in self._chunks:
            yield from chunk

    def edited(self) -> Paged:
        """A copy to write into (sharing every chunk until it writes into it)."""
        return Paged(list(self._chunks), self._bits, self._length, set())

    def _chunk(self, number: int) -> list:
        if self._own is None:
            raise TypeError("a snapshot's list is not written: edit a copy (`edited()`)")
        if number not in self._own:
            self._chunks[number] = list(self._chunks[number])
            self._own.add(number)
        return self._chunks[number]

    def __setitem__(self, at: int, value) -> None:
        if not 0 <= at < self._length:
            raise IndexError(at)
        self._chunk(at >> self._bits)[at & ((1 << self._bits) - 1)] = value

    def append(self, value) -> None:
        if self._length >> self._bits == len(self._chunks) and self._own is not None:  # the last is full
            self._own.add(len(self._chunks))
            self._chunks.append([])
        self._chunk(len(self._chunks) - 1).append(value)
        self._length += 1

    def take(self, positions) -> list:
        """The entries at these positions (each of them held), in their order."""
        chunks, bits, low = self._chunks, self._bits, (1 << self._bits) - 1
        return [chunks[at >> bits][at & low] for at in positions]

    def done(self) -> Paged:
        self._own = None
        return self

    def shared_with(self, other: Paged) -> int:
        """How many chunks the two lists share (the same object): what a refresh did not copy."""
        return sum(mine is theirs for mine, theirs in zip(self._chunks, other._chunks, strict=False))


class PagedMap:
    """Opening id → position, in dicts by `id >> bits`, that a refresh copies chunk by chunk
    (as `Paged`): giving one opening a new position copies the dict of its 64 ids."""

    __slots__ = ("_chunks", "_bits", "_own")

    def __init__(self, chunks: dict[int, dict], bits: int, own: set | None = None) -> None:
        self._chunks, self._bits, self._own = chunks, bits, own

    @classmethod
    def of(cls, positions: dict[int, int], bits: int | None = None) -> PagedMap:
        bits = PAGE_BITS if bits is None else bits
        chunks: dict[int, dict] = {}
        for key, at in positions.items():
            chunks.setdefault(key >> bits, {})[key] = at
        return cls(chunks, bits)

    def get(self, key: int) -> int | None:
        chunk = self._chunks.get(key >> self._bits)
        return None if chunk is None else chunk.get(key)

    def items(self):
        for chunk in self._chunks.values():
            yield from chunk.items()

    def edited(self) -> PagedMap:
        return PagedMap(dict(self._chunks), self._bits, set())

    def __setitem__(self, key: int, at: int) -> None:
        if self._own is None:
            raise TypeError("a snapshot's map is not written: edit a copy (`edited()`)")
        number = key >> self._bits
        if number not in self._own:
            self._chunks[number] = dict(self._chunks.get(number, ()))
            self._own.add(number)
        self._chunks[number][key] = at

    def done(self) -> PagedMap:
        self._own = None
        return self


@dataclass(frozen=True)
class Taxonomy:
    """Family and programme names, for the listing's filters (watched by the same version)."""

    families: dict[int, str]
    programmes: dict[int, tuple[int, str]]  # id → (family id, name)


@dataclass
class Snapshot:
    version: tuple[int, date]
    taxonomy: Taxonomy
    cards: Paged  # OpeningCard by position (bit i = cards[i]), oldest publication first
    keys: Paged  # (published_at, id) by position: ascending, the default order backwards
    # Every opening that held a position in this lineage → its position (one that left keeps
    # it, unset in `present`). Never has a key removed; a refresh shares it with the
    # snapshot before unless an opening took a new position (then it copies one chunk).
    slots: PagedMap
    present: bytes  # 1 at each open opening's position
    everything: int  # the open openings' bits
    by: dict[tuple[str, object], int]  # ("familia", 3) → mask
    names_none: int  # openings that name no programme (they take the whole family)
    families: Paged = field(default_factory=lambda: Paged.of([]))  # family id per position
    programmes: Paged = field(default_factory=lambda: Paged.of([]))  # accepted programme ids per position
    targets_all: int = 0  # openings for every CETPRO
    derived: dict = field(default_factory=dict)  # name → (value, refresh)
    # Shared by a snapshot and those refreshed from it (its lineage): the text terms'
    # masks, each with the generation it was read at, and what each refresh changed.
    generation: int = 0  # refreshes since the lineage's build
    terms: OrderedDict = field(default_factory=OrderedDict)  # words → (mask, generation)
    history: dict = field(default_factory=dict)  # generation → Change

    def derive(self, name: str, build: Callable[[Snapshot], T],
               refresh: Callable[[T, Snapshot, Change], T] | None = None) -> T:
        """What is computed from this snapshot (through `listing.OpenOpenings.derive`,
        matching's requirements and targets), built once, on the first request that needs
        it. At the next write it is dropped, or, when the index is refreshed in place and
        `refresh` is given, carried over: `refresh(value, new snapshot, change)`."""
        held = self.derived.get(name)
        if held is None:
            with _lock:
                held = self.derived.get(name)
                if held is None:
                    held = self.derived[name] = (build(self), refresh)
        return held[0]


    def at(self, opening_id: int) -> int | None:
        """An open opening's position (None when it is not open)."""
        at = self.slots.get(opening_id)
        return at if at is not None and self.present[at] else None

    def since_mask(self, instant) -> int:
        """The open openings published at or after `instant` (UTC, naive): positions follow
        publication (`keys` ascending), so they are the positions from one point up."""
        try:
            start = bisect.bisect_left(self.keys, (instant,))
        except TypeError:  # an opening published without a date (old data): read them all
            return self.everything & mask_of(at for at, key in enumerate(self.keys)
                                             if key[0] is not None and key[0] >= instant)
        return self.everything >> start << start

    def open_ids(self) -> list[int]:
        """The ids of the open openings."""
        present = self.present
        return [opening_id for opening_id, at in self.slots.items() if present[at]]

    def term_mask(self, query: str) -> int | None:
        """The open openings whose text matches the query's words (None: no word).

        Remembered per query for this lineage of snapshots (`terms`: mask and generation).
        A mask remembered a few refreshes ago is brought up to date by asking the database
        about the openings changed since, not about every opening."""
        key = " ".join(search.words(query))
        if not key:
            return None
        mask = None
        if (held := self.terms.get(key)) is not None:
            mask, generation = held
            if generation == self.generation:
                return mask
            mask = self._carried(key, mask, generation) if generation < self.generation else None
        if mask is None:
            ids = db.session.scalars(search.matching_ids(key)).all()
            mask = mask_of(at for at in map(self.at, ids) if at is not None)
        with _lock:  # the development server answers from several threads
            held = self.terms.get(key)
            if held is None or held[1] <= self.generation:
                self.terms[key] = (mask, self.generation)
            while len(self.terms) > TERM_CACHE:
                self.terms.popitem(last=False)
        return mask

    def _carried(self, key: str, mask: int, generation: int) -> int | None:
        """A term's mask of an earlier generation, with the openings changed since asked
        again; None when the history no longer reaches it or too much changed."""
        touched, ids = 0, set()
        for later in range(generation + 1, self.generation + 1):
            if (change := self.history.get(later)) is None:
                return None
            touched |= change.touched
            ids |= change.ids
        if len(ids) > REFRESH_LIMIT:
            return None
        found = db.session.scalars(search.matching_ids(key, among=sorted(ids))).all() if ids else ()
        return (mask ^ (mask & touched)) | mask_of(at for at in map(self.at, found) if at is not None)


@dataclass(frozen=True)
class Change:
    """What a refresh re-read: the changed openings' ids, and every position they held
    before or hold now (bits)."""

    ids: frozenset[int]
    touched: int


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


# Where a request the listing's fast path handed to Flask carries the version the fast path
# read (portal/openings/fastpath.py), so the listing reads it once, not twice: on PostgreSQL
# a read of its own was a pool checkout (with its ping), the read, and the rollback at return.
VERSION_KEY = "enlace.openings_version"


def _version(day: date) -> tuple[int, date]:
    """The open openings' version for this request: the one the listing's fast path read at
    its start when it handed the request to Flask (portal/openings/fastpath.py), else read
    now on the session."""
    if has_request_context():
        read = request.environ.get(VERSION_KEY)
        if read is not None and read[1] == day:
            return read
    return versions.current(db.session, "openings"), day


def _current(day: date) -> Snapshot:
    state = current_app.extensions.setdefault("listing_index", {})
    version = _version(day)
    held = state.get("snapshot")
    if held is not None and held.version == version:
        return held
    with _lock:
        held = state.get("snapshot")
        if held is None or held.version != version:
            old, held = held, None
            if old is not None and old.version[1] == day and old.version[0] < version[0]:
                changed = versions.changes(db.session, "openings", old.version[0], version[0])
                if changed is not None and len(changed) <= max(REFRESH_LIMIT, len(old.cards) // 10):
                    held = _refresh(old, version, changed)
            if held is None:
                held = _build(version)
            state["snapshot"] = held
            if old is not None:
                # What features derived from it refers back to it (an OpeningSet holds its
                # snapshot): dropping it breaks that cycle, so the old snapshot goes at once
                # by reference counting, even when it was frozen out of the collector's
                # sight at the worker's start (gunicorn.conf.py).
                old.derived.clear()
    return held


def warm(*derived: tuple[str, Callable[[Snapshot], object], Callable | None]) -> None:
    """Load the index now (a worker starting), and what features derive from it
    (`Snapshot.derive`), so the first visitor waits for neither."""
    try:
        held = snapshot(clock.today())
        for name, build, refresh in derived:
            held.derive(name, build, refresh)
    except SQLAlchemyError as error:
        # A worker (re)started while the database is away must still boot: gunicorn halts
        # altogether when a worker fails to boot. The first request builds the index instead.
        current_app.logger.warning("listing index not loaded at start, database unavailable: %s", error)
    db.session.remove()


@metrics.rebuild("listing")
def _build(version: tuple[int, date]) -> Snapshot:
    conditions = open_conditions(version[1])
    connection = db.session.connection()  # plain rows: the ORM's row handling cost more than the query
    rows = connection.execute(_rows(conditions).order_by(*ORDER_BY["recientes"])).tuples().all()
    rows.reverse()  # bit 0 the oldest: as the database orders, backwards (NULLs too)
    # Plain tuples, not named rows: this runs over every open opening on each rebuild.
    companies: dict[tuple, CompanyName] = {}
    cards, keys, groups, families, for_all = [], [], {}, [], []
    for i, row in enumerate(rows):
        card, family_id, targets_all, key = _card(row, companies)
        cards.append(card)
        keys.append(key)
        families.append(family_id)
        if targets_all:
            for_all.append(i)
        for group in _groups(card, family_id):
            members = groups.get(group)
            if members is None:
                groups[group] = [i]
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
        version=version, taxonomy=taxonomy, cards=Paged.of(cards), keys=Paged.of(keys),
        slots=PagedMap.of(position), present=b"\x01" * len(cards), everything=(1 << len(cards)) - 1,
        by={key: mask_of(members) for key, members in groups.items()},
        names_none=mask_of(i for i in range(len(cards)) if i not in named),
        families=Paged.of(families), targets_all=mask_of(for_all),
        programmes=Paged.of([shared.setdefault(named_ids, named_ids)
                             for named_ids in (frozenset(accepted.get(i, ())) for i in range(len(cards)))]),
    )


def _rows(conditions):
    return (select(*CARD_COLUMNS, Opening.family_id, Opening.targets_all_cetpros, Opening.published_at)
            .join(Company, Company.id == Opening.company_id).where(*conditions))


# Built once (a refresh is a few small reads; building these cost as much as running them).
_CHANGED_ROWS = _rows(open_conditions(bindparam("day", type_=Date))).where(
    Opening.id.in_(bindparam("ids", expanding=True)))
_CHANGED_PROGRAMMES = select(opening_programmes.c.opening_id, opening_programmes.c.programme_id).where(
    opening_programmes.c.opening_id.in_(bindparam("ids", expanding=True)))


def _card(row: tuple, companies: dict) -> tuple[OpeningCard, int, bool, tuple]:
    """(card, family id, for every CETPRO, order key) of a row of `_rows`; `companies` shares
    one CompanyName among a company's openings."""
    (id_, title, kind, department, province, work_mode, pay, deadline,
     legal_name, trade_name, verification, renamed_at, verified_by, family_id, targets_all, published_at) = row
    company_key = (trade_name or legal_name, verification == "verified",
                   verification == "unverified" and renamed_at is not None,
                   verified_by if verification == "verified" else None)
    company = companies.get(company_key) or companies.setdefault(company_key, CompanyName(*company_key))
    card = OpeningCard(id_, title, kind, department, province, work_mode, pay, deadline, company)
    return card, family_id, bool(targets_all), (published_at, id_)


def _groups(card: OpeningCard, family_id: int) -> tuple:
    """The filter masks an opening's bit is in, besides its programmes'."""
    return (("familia", family_id), ("departamento", card.department_code), ("provincia", card.province_code),
            ("tipo", card.kind), ("modalidad", card.work_mode))


# The masks a changed opening's position is cleared from whether or not it was in them.
_UNSURE = frozenset({("sin programa",), ("todos",)})


@metrics.rebuild("listing-refresh")
def _refresh(old: Snapshot, version: tuple[int, date], changed: frozenset[int]) -> Snapshot | None:
    """`old` with the changed openings re-read, or None when they cannot keep the order
    without moving others (then the caller rebuilds).

    Re-reads the changed openings that are open now (their card, filters and programmes);
    the others leave. An opening keeps its position while its place in the order does not
    change, takes back the one it held if it returns, and one newer than every position
    takes the next. Every mask it was or is in is rewritten once; what features derived
    from `old` is carried over by their `refresh` (or dropped)."""
    connection = db.session.connection()
    wanted = sorted(changed)
    rows = connection.execute(_CHANGED_ROWS, {"day": version[1], "ids": wanted}).tuples().all()
    named: dict[int, set] = {}
    for opening_id, programme_id in connection.execute(_CHANGED_PROGRAMMES, {"ids": wanted}).tuples():
        named.setdefault(opening_id, set()).add(programme_id)

    # Copies that share every chunk with `old`'s lists until they write into it.
    cards, keys, families, programmes = old.cards.edited(), old.keys.edited(), old.families.edited(), \
        old.programmes.edited()
    present, slots = bytearray(old.present), old.slots  # slots: edited when a position is given
    cleared: dict[tuple, list[int]] = {}  # mask → positions to unset, then to set
    added: dict[tuple, list[int]] = {}
    for opening_id in wanted:
        if (at := old.at(opening_id)) is None:
            continue
        present[at] = 0
        for group in (*_groups(cards[at], families[at]), *(("programa", p) for p in programmes[at]),
                      ("*",), ("sin programa",), ("todos",)):
            cleared.setdefault(group, []).append(at)
    top = keys[len(keys) - 1] if len(keys) else None
    companies: dict[tuple, CompanyName] = {}
    rows = [_card(row, companies) for row in rows]
    rows.sort(key=lambda r: (r[3][0] is None, r[3]))
    for card, family_id, targets_all, key in rows:
        if key[0] is None:
            return None  # published without a date: its place is the database's to say
        at = slots.get(card.id)
        if at is None or keys[at] != key:
            if top is not None and key <= top:
                return None  # it goes between others: the positions would move
            if slots is old.slots:
                slots = slots.edited()
            at = slots[card.id] = len(cards)
            cards.append(card), keys.append(key), families.append(family_id), programmes.append(frozenset())
            present.append(0)
            top = key
        accepted = frozenset(named.get(card.id, ()))
        cards[at], families[at], programmes[at] = card, family_id, accepted
        present[at] = 1
        for group in (*_groups(card, family_id), *(("programa", p) for p in accepted), ("*",)):
            added.setdefault(group, []).append(at)
        if not accepted:
            added.setdefault(("sin programa",), []).append(at)
        if targets_all:
            added.setdefault(("todos",), []).append(at)

    by = dict(old.by)
    special = {("*",): old.everything, ("sin programa",): old.names_none, ("todos",): old.targets_all}
    for group in cleared.keys() | added.keys():
        gone, come = cleared.get(group, ()), added.get(group, ())
        # Every position cleared from a filter's mask (or from "*") was set in it: when the
        # same positions are set again, the mask is the same int, shared as it is.
        if group not in _UNSURE and sorted(gone) == sorted(come):
            continue
        mask = special[group] if group in special else by.get(group, 0)
        if gone:
            mask ^= mask & mask_of(gone)  # `mask & ~gone` without the complement of a full-width int
        if come:
            mask |= mask_of(come)
        if group in special:
            special[group] = mask
        elif mask:
            by[group] = mask
        else:
            by.pop(group, None)
    touched = mask_of([*(at for ats in cleared.values() for at in ats), *(at for at in map(slots.get, wanted) if at is not None)])
    change = Change(ids=changed, touched=touched)
    generation = old.generation + 1
    with _lock:
        old.history[generation] = change
        old.history.pop(generation - HISTORY, None)
    if slots is not old.slots:
        slots.done()
    held = Snapshot(
        version=version, taxonomy=old.taxonomy, cards=cards.done(), keys=keys.done(), slots=slots,
        present=bytes(present), everything=special[("*",)], by=by, names_none=special[("sin programa",)],
        families=families.done(), programmes=programmes.done(), targets_all=special[("todos",)],
        generation=generation, terms=old.terms, history=old.history,
    )
    for name, (value, refresh) in old.derived.items():
        if refresh is not None:
            held.derived[name] = (refresh(value, held, change), refresh)
    return held


def search_page(filters, day: date, page_size: int):
    """(cards, total) for the listing's filters, or None when SQL should answer."""
    offset = (filters.pagina - 1) * page_size
    if offset > DEEP_OFFSET:
        return None
    held = snapshot(day)
    mask = filter_mask(held, filters)
    total = mask.bit_count()
    if offset >= total:
        return [], total
    if filters.orden == "recientes":
        return held.cards.take(_positions(mask, offset, page_size)), total
    if total > SORT_LIMIT:
        return None
    found = _positions(mask, 0, total)
    found.sort(key=_ORDER_KEYS[filters.orden](held))
    return held.cards.take(found[offset:offset + page_size]), total


def filter_mask(held: Snapshot, filters) -> int:
    """The open openings the listing's filters (`queries.Filters`) find, as a mask."""
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
    return mask


def _by_deadline(held: Snapshot):
    # deadline ascending, no deadline last, then newer id first (as ORDER_BY["cierre"])
    cards = held.cards
    return lambda i: (cards[i].deadline is None, cards[i].deadline or date.max, -cards[i].id)


def _by_pay(held: Snapshot):
    # pay descending, no pay last, then newer id first (as ORDER_BY["sueldo"])
    cards = held.cards
    return lambda i: (cards[i].pay_monthly is None, -(cards[i].pay_monthly or 0), -cards[i].id)


_ORDER_KEYS = {"cierre": _by_deadline, "sueldo": _by_pay}
