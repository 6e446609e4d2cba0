"""The open openings, as every feature reads them: the public API of the listing's index.

`portal/openings/index.py` keeps every open opening of the current data version in each
process, as bitmasks over the openings in the default order. That representation is its
own: features outside `portal/openings/` read the open openings only through this module
(an import-linter contract in pyproject.toml keeps it so), which speaks of openings,
cards and sets of openings, never of bits or positions. The index can change how it holds
them (and how it follows writes) without touching a caller.

- `listing_page(filters, day, page_size)`: one page of the public listing, or None when
  SQL should answer it.
- `open_openings(day)`: the open openings as of the current data version and Lima date
  (`OpenOpenings`): one opening's card and facts, the taxonomy, and `OpeningSet`s — the
  openings of a family, naming a programme, of a kind, in a department or province, of a
  work mode, for every CETPRO, among some ids —
  combined with `&`, `|` and `-`, counted with `len`, read in the listing's order;
  `OpeningSets`, such sets by key (matching's per CETPRO), carried across writes cheaply.
- `OpenOpenings.derive(name, build, refresh)`: what a feature computes from the open
  openings (matching's requirements and targets, portal/matching/index.py), built once per
  version; when a write changed only some openings, `refresh` carries it to the next
  version with only those re-read (`Changed`), else it is built again. Whatever a build
  reads from the database must be watched by the `openings` data version
  (portal/versions.py); tests/openings/test_listing_tables.py checks that.
- `warm(...)`: load the index (and what features derive from it) as a worker starts.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from datetime import date
from typing import NamedTuple, TypeVar

from portal.openings import index
from portal.openings.cards import OpeningCard

T = TypeVar("T")


class OpenOpening(NamedTuple):
    """What the index holds of one open opening besides its requirements and targets."""

    card: OpeningCard
    family_id: int
    programme_ids: frozenset  # the programmes it names (none: its whole family)

    @property
    def id(self) -> int:
        return self.card.id


class OpeningSet:
    """Some of the open openings of one version of the index, in the listing's default
    order ("más recientes"). Combining two is a bitmask operation, whatever their size."""

    __slots__ = ("_held", "_bits")

    def __init__(self, held: index.Snapshot, bits: int) -> None:
        self._held = held
        self._bits = bits

    def _other(self, other: OpeningSet) -> int:
        if other._held is not self._held:
            raise ValueError("sets of two versions of the open openings cannot be combined")
        return other._bits

    def __and__(self, other: OpeningSet) -> OpeningSet:
        return OpeningSet(self._held, self._bits & self._other(other))

    def __or__(self, other: OpeningSet) -> OpeningSet:
        return OpeningSet(self._held, self._bits | self._other(other))

    def __sub__(self, other: OpeningSet) -> OpeningSet:
        return OpeningSet(self._held, self._bits & ~self._other(other))

    def __bool__(self) -> bool:
        return bool(self._bits)

    def __len__(self) -> int:
        return self._bits.bit_count()

    def __contains__(self, opening_id: int) -> bool:
        at = self._held.at(opening_id)
        return at is not None and bool(self._bits >> at & 1)

    def first(self, count: int) -> list[OpeningCard]:
        """The cards of the first `count` openings, newest first."""
        return self._held.cards.take(index.first(self._bits, count))

    def openings(self) -> list[tuple[OpeningCard, int, frozenset]]:
        """Every opening of the set, newest first, as `OpenOpening`'s fields (card, family id,
        programme ids): plain tuples, made for the members only, as cheap as the set is small."""
        held, at = self._held, index.newest_first(self._bits)
        return list(zip(held.cards.take(at), held.families.take(at), held.programmes.take(at), strict=True))


class OpeningSets:
    """Sets of open openings by key (matching's openings per CETPRO) of one version, made with
    `OpenOpenings.sets_by_key` and carried to the next with `Changed.carry_sets`.

    Held as one dict of plain bitmasks, not of `OpeningSet`s: ints, which the garbage
    collector does not track, so carrying 1,500 sets to the next version copies one dict and
    allocates only for the keys the change touched; an `OpeningSet` is made when one is read."""

    __slots__ = ("_held", "_bits")

    def __init__(self, held: index.Snapshot, bits: dict) -> None:
        self._held = held
        self._bits = bits

    def get(self, key, default: OpeningSet | None = None) -> OpeningSet | None:
        bits = self._bits.get(key)
        return default if bits is None else OpeningSet(self._held, bits)

    def __contains__(self, key) -> bool:
        return key in self._bits

    def __iter__(self):
        """The keys that have a set (none of them empty)."""
        return iter(self._bits)

    def __len__(self) -> int:
        return len(self._bits)


class OpenOpenings:
    """The open openings as of one data version and Lima date (see `open_openings`)."""

    __slots__ = ("_held",)

    def __init__(self, held: index.Snapshot) -> None:
        self._held = held

    def __len__(self) -> int:
        return self._held.everything.bit_count()

    @property
    def version(self) -> tuple:
        """What these open openings are as of (data version and Lima date): equal versions
        show the same openings, so what is made from them may be kept under it."""
        return self._held.version

    def __contains__(self, opening_id: int) -> bool:
        return self._held.at(opening_id) is not None

    def ids(self) -> Set[int]:
        """The ids of the open openings (made on each call: for a build reading many rows)."""
        return frozenset(self._held.open_ids())

    def get(self, opening_id: int) -> OpenOpening | None:
        """One open opening, or None when it is not open."""
        at = self._held.at(opening_id)
        return None if at is None else OpenOpening(self._held.cards[at], self._held.families[at],
                                                   self._held.programmes[at])

    def published_at(self, opening_id: int):
        """When an open opening was published (UTC, naive), or None (not open, or undated)."""
        at = self._held.at(opening_id)
        return None if at is None else self._held.keys[at][0]

    def card(self, opening_id: int) -> OpeningCard | None:
        """One open opening's listing card, or None when it is not open."""
        at = self._held.at(opening_id)
        return None if at is None else self._held.cards[at]

    @property
    def families(self) -> dict[int, str]:
        """Every family's name by id (the taxonomy is watched by the same version)."""
        return self._held.taxonomy.families

    @property
    def programmes(self) -> dict[int, tuple[int, str]]:
        """Every programme by id: (family id, name)."""
        return self._held.taxonomy.programmes

    # --- Sets of open openings ------------------------------------------------------------

    def _set(self, bits: int) -> OpeningSet:
        return OpeningSet(self._held, bits)

    def all(self) -> OpeningSet:
        return self._set(self._held.everything)

    def none(self) -> OpeningSet:
        return self._set(0)

    def in_family(self, family_id: int) -> OpeningSet:
        return self._set(self._held.by.get(("familia", family_id), 0))

    def naming_programme(self, programme_id: int) -> OpeningSet:
        """The openings that name this programme among those they accept."""
        return self._set(self._held.by.get(("programa", programme_id), 0))

    def of_kind(self, kind: str) -> OpeningSet:
        return self._set(self._held.by.get(("tipo", kind), 0))

    def in_department(self, code: str) -> OpeningSet:
        """The openings whose place is in this department (INEI code), remote ones included."""
        return self._set(self._held.by.get(("departamento", code), 0))

    def in_province(self, code: str) -> OpeningSet:
        """The openings whose place is in this province (INEI code), remote ones included."""
        return self._set(self._held.by.get(("provincia", code), 0))

    def of_work_mode(self, work_mode: str) -> OpeningSet:
        """The openings of this work mode (presencial, remoto, hibrido)."""
        return self._set(self._held.by.get(("modalidad", work_mode), 0))

    def for_every_cetpro(self) -> OpeningSet:
        """The openings whose employer takes students of every CETPRO."""
        return self._set(self._held.targets_all)

    def matching(self, filters) -> OpeningSet:
        """The openings the listing's filters (`queries.Filters`) find: what /ofertas shows
        for them, whatever its order (a saved search's openings)."""
        return self._set(index.filter_mask(self._held, filters))

    def published_since(self, instant) -> OpeningSet:
        """The openings published at or after this instant (UTC, naive, as stored)."""
        return self._set(self._held.since_mask(instant))

    def of_ids(self, opening_ids: Iterable[int]) -> OpeningSet:
        """The open ones among these openings (the others are left out)."""
        return self._set(index.mask_of(at for at in map(self._held.at, opening_ids) if at is not None))

    def sets_by_key(self, ids_by_key: dict[object, Iterable[int]]) -> OpeningSets:
        """The open ones among each key's openings (`of_ids` per key); keys left with none are left out."""
        at = self._held.at
        masks = {key: index.mask_of(p for p in map(at, opening_ids) if p is not None)
                 for key, opening_ids in ids_by_key.items()}
        return OpeningSets(self._held, {key: bits for key, bits in masks.items() if bits})

    # --- What features derive from them ---------------------------------------------------

    def derive(self, name: str, build: Callable[[OpenOpenings], T],
               refresh: Callable[[T, OpenOpenings, Changed], T] | None = None) -> T:
        """What a feature computes from these open openings, built once per version of the
        index, on the first request that needs it. At the next write it is carried over by
        `refresh(value, open openings now, what changed)` when the index re-read only some
        openings, else built again. Both may read the database: only tables the `openings`
        data version watches."""
        return self._held.derive(name, *_adapted(build, refresh))


class Changed:
    """What a write changed, as `OpenOpenings.derive`'s `refresh` is told: the ids of the
    openings re-read (open now or not), and `carry` for the sets of the previous version."""

    __slots__ = ("ids", "_held", "_kept")

    def __init__(self, held: index.Snapshot, change: index.Change) -> None:
        self.ids = change.ids
        self._held = held
        self._kept = held.everything & ~change.touched  # the open openings the change left alone

    def carry_sets(self, old: OpeningSets, touched: Set, added: dict[object, Iterable[int]]) -> OpeningSets:
        """Sets by key of the previous version as sets of this one. The caller says which
        keys' sets a changed opening was in (`touched`) and the changed openings that belong
        to each key now (`added`): those keys' sets lose the changed openings and get the
        open ones of their `added` ids; one left with none is left out. The other keys'
        sets, which no changed opening is in, keep their members as they are (nothing
        computed, nothing allocated)."""
        at, kept = self._held.at, self._kept
        bits = dict(old._bits)
        for key in {*touched, *added}:
            mask = bits.get(key, 0) & kept
            if key in added:
                mask |= index.mask_of(p for p in map(at, added[key]) if p is not None)
            if mask:
                bits[key] = mask
            else:
                bits.pop(key, None)
        return OpeningSets(self._held, bits)


def _adapted(build: Callable[[OpenOpenings], T], refresh: Callable | None) -> tuple[Callable, Callable | None]:
    """`build` and `refresh` as the index calls them (with its snapshot)."""
    return ((lambda held: build(OpenOpenings(held))),
            None if refresh is None else
            (lambda value, held, change: refresh(value, OpenOpenings(held), Changed(held, change))))


def open_openings(day: date) -> OpenOpenings:
    """The open openings as of the current data version (the index rebuilt when it moved)
    and this Lima date (deadlines). Checked once per request."""
    return OpenOpenings(index.snapshot(day))


def listing_page(filters, day: date, page_size: int) -> tuple[list[OpeningCard], int] | None:
    """(cards, total) of one page of the public listing (`queries.Filters`), or None when
    SQL should answer (another order of a large result set, a deep page)."""
    return index.search_page(filters, day, page_size)


def warm(*derived: tuple[str, Callable[[OpenOpenings], object], Callable | None]) -> None:
    """Load the index now (a worker starting), and what features derive from it (each as
    `derive`'s name, build and refresh), so the first visitor waits for neither."""
    index.warm(*((name, *_adapted(build, refresh)) for name, build, refresh in derived))
