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
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal import versions
from portal.extensions import db
from portal.models import Company, Opening, opening_programmes
from portal.openings import search

TERM_CACHE = 2048  # distinct text queries remembered per version (the oldest go first)
SORT_LIMIT = 2000  # larger result sets in another order are sorted by SQL
DEEP_OFFSET = 2000  # deeper pages are read by SQL


def _mask(positions) -> int:
    """An int with the given bit positions set (built as bytes: fast for thousands)."""
    positions = list(positions)
    if not positions:
        return 0
    bits = bytearray(max(positions) // 8 + 1)
    for position in positions:
        bits[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(bits, "little")


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


@dataclass
class Snapshot:
    version: tuple[int, date]
    cards: list  # OpeningCard, in the default order (bit i = cards[i])
    rows: list  # (deadline, pay_monthly) per card, for the other orders
    position: dict[int, int]  # opening id → bit
    everything: int
    by: dict[tuple[str, object], int]  # ("familia", 3) → mask
    names_none: int  # openings that name no programme (they take the whole family)
    terms: OrderedDict = field(default_factory=OrderedDict)

    def term_mask(self, query: str) -> int | None:
        key = " ".join(search.words(query))
        if not key:
            return None
        if (mask := self.terms.get(key)) is not None:
            return mask
        ids = db.session.scalars(search.matching_ids(key)).all()
        mask = _mask(self.position[i] for i in ids if i in self.position)
        with _lock:  # the development server answers from several threads
            self.terms[key] = mask
            while len(self.terms) > TERM_CACHE:
                self.terms.popitem(last=False)
        return mask


_lock = threading.Lock()


def snapshot(day: date) -> Snapshot:
    """The open openings as of the current data version (rebuilt when it moved)."""
    state = current_app.extensions.setdefault("listing_index", {})
    version = (versions.current(db.session, "openings"), day)
    held = state.get("snapshot")
    if held is not None and held.version == version:
        return held
    with _lock:
        held = state.get("snapshot")
        if held is None or held.version != version:
            held = state["snapshot"] = _build(version)
    return held


def _build(version: tuple[int, date]) -> Snapshot:
    from portal.openings.queries import ORDER_BY, _CARD_COLUMNS, _card, open_conditions

    conditions = open_conditions(version[1])
    rows = db.session.execute(
        select(*_CARD_COLUMNS, Opening.family_id)
        .join(Company, Company.id == Opening.company_id)
        .where(*conditions)
        .order_by(*ORDER_BY["recientes"])
    ).all()
    cards = [_card(row) for row in rows]
    position = {card.id: i for i, card in enumerate(cards)}
    groups: dict[tuple[str, object], list[int]] = {}
    for i, row in enumerate(rows):
        for key in (("familia", row.family_id), ("departamento", row.department_code),
                    ("provincia", row.province_code), ("tipo", row.kind), ("modalidad", row.work_mode)):
            groups.setdefault(key, []).append(i)
    named = set()
    for opening_id, programme_id in db.session.execute(
        select(opening_programmes.c.opening_id, opening_programmes.c.programme_id)
        .join(Opening, Opening.id == opening_programmes.c.opening_id)
        .where(*conditions)
    ):
        if opening_id in position:
            groups.setdefault(("programa", programme_id), []).append(position[opening_id])
            named.add(position[opening_id])
    return Snapshot(
        version=version, cards=cards, rows=[(row.deadline, row.pay_monthly) for row in rows],
        position=position, everything=(1 << len(cards)) - 1,
        by={key: _mask(members) for key, members in groups.items()},
        names_none=_mask(i for i in range(len(cards)) if i not in named),
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
    return lambda i: (held.rows[i][0] is None, held.rows[i][0] or date.max, -held.cards[i].id)


def _by_pay(held: Snapshot):
    # pay descending, no pay last, then newer id first (as ORDER_BY["sueldo"])
    return lambda i: (held.rows[i][1] is None, -(held.rows[i][1] or 0), -held.cards[i].id)


_ORDER_KEYS = {"cierre": _by_deadline, "sueldo": _by_pay}
