"""Reads of openings for the public pages: the listing, the home page and the detail.

Only published openings whose deadline has not passed are found (`open_conditions`),
whatever the cron job has or has not expired yet. The listing selects only the
columns a result shows, in two queries (the count and one page), so twenty results
cost the same whatever else an opening holds.
"""
from __future__ import annotations

import functools
from datetime import date

from flask import get_template_attribute
from markupsafe import Markup
from sqlalchemy import Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock, places, vocab
from portal.extensions import db
from portal.models import (
    Company,
    Family,
    Opening,
    OpeningRequirement,
    Programme,
    opening_programmes,
)
from portal.openings import listing, search
from portal.openings.cards import CARD_COLUMNS, ORDER_BY, OpeningCard, card_of, open_conditions
from portal.paging import Choice, Number, Page, PageNumber, QueryFilters, Text
from portal.reference import live

PAGE_SIZE = 20
MAX_QUERY = 100

ORDERS = {"recientes": "Más recientes", "cierre": "Cierran pronto", "sueldo": "Mejor pagadas"}
DEFAULT_ORDER = "recientes"



# --- What a result shows ----------------------------------------------------------------


_CARD_HTML: dict[OpeningCard, Markup] = {}
CARD_HTML_LIMIT = 20_000


def card_html(card: OpeningCard) -> Markup:
    """A card's HTML, rendered once per distinct card (its fields are all it shows).

    Keyed by the card's value, so an edited opening or a renamed company is a new key
    and never meets its old HTML; the oldest entries go first past the limit.
    """
    html = _CARD_HTML.get(card)
    if html is None:
        html = get_template_attribute("openings/_card.html", "card")(card)
        if len(_CARD_HTML) >= CARD_HTML_LIMIT:
            _CARD_HTML.pop(next(iter(_CARD_HTML)), None)
        _CARD_HTML[card] = html
    return html


def _cards(*conditions, order=ORDER_BY[DEFAULT_ORDER], limit: int = PAGE_SIZE, offset: int = 0) -> list[OpeningCard]:
    rows = db.session.execute(
        select(*CARD_COLUMNS)
        .join(Company, Company.id == Opening.company_id)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return [card_of(r) for r in rows]


def cards_by_id(ids: list[int]) -> dict[int, OpeningCard]:
    """Cards of the given openings (any state), by id."""
    return {card.id: card for card in _cards(Opening.id.in_(ids), limit=len(ids))}


def latest(limit: int = 8) -> list[OpeningCard]:
    return _cards(*open_conditions(), limit=limit)


def public_totals() -> dict[str, int]:
    published = db.session.scalar(select(func.count()).select_from(Opening).where(*open_conditions()))
    companies = db.session.scalar(
        select(func.count()).select_from(Company).where(Company.verification_state == "verified")
    )
    return {"openings": published or 0, "companies": companies or 0}


# --- The listing's query string -----------------------------------------------------------


def _family_name(family_id: int) -> str | None:
    return listing.open_openings(clock.today()).families.get(family_id)


class Filters(QueryFilters):
    """The listing's query parameters (DESIGN §5). Unknown or inconsistent values are dropped,
    never an error: a province outside the chosen department, a programme outside the chosen
    family, a family that does not exist."""

    q = Text(MAX_QUERY)
    familia = Number(names=_family_name, title="Familia")
    programa = Number(title="Programa", requires="familia")
    departamento = Choice(places.department_name, title="Departamento")
    provincia = Choice(places.province_name, title="Provincia", requires="departamento")
    tipo = Choice(vocab.OPENING_KINDS, title="Tipo")
    modalidad = Choice(vocab.WORK_MODES, title="Modalidad")
    orden = Choice(ORDERS, DEFAULT_ORDER, filter=False)
    pagina = PageNumber()

    @property
    def folded_count(self) -> int:
        """How many of the filters under "Filtros" are set (the search words have their own box)."""
        return self.count - self.is_set("q")

    def clean(self) -> None:
        if self.programa is not None:
            family, name = listing.open_openings(clock.today()).programmes.get(self.programa, (None, None))
            if family == self.familia:
                self.names["programa"] = name
            else:
                self.drop("programa")
        if self.provincia is not None and not self.provincia.startswith(self.departamento):
            self.drop("provincia")


def search_openings(filters: Filters, day: date | None = None) -> Page:
    """One page of open openings that match the filters, in the chosen order.

    Answered from the per-process listing index (portal.openings.listing), exact as of the
    last committed write; in SQL when the index leaves it (deep pages, large sets in
    another order). `search_openings_sql` is the reference both are tested against.
    """
    day = day or clock.today()
    found = listing.listing_page(filters, day, PAGE_SIZE)
    if found is None:
        return search_openings_sql(filters, day)
    items, total = found
    return Page(items=items, total=total, page=filters.pagina, per_page=PAGE_SIZE)


def search_openings_sql(filters: Filters, day: date | None = None) -> Page:
    """The listing in SQL: a count and one page, both through the listing's index."""
    conditions = list(open_conditions(day))
    if filters.q and (ids := search.matching_ids(filters.q)) is not None:
        conditions.append(Opening.id.in_(ids))
    if filters.programa:
        # An opening accepts a programme by naming it, or by naming none of its family's.
        names_it = select(opening_programmes.c.opening_id).where(
            opening_programmes.c.programme_id == filters.programa)
        names_some = exists().where(opening_programmes.c.opening_id == Opening.id)
        conditions.append(or_(Opening.id.in_(names_it),
                              and_(Opening.family_id == filters.familia, ~names_some)))
    elif filters.familia:
        conditions.append(Opening.family_id == filters.familia)
    if filters.provincia:
        conditions.append(Opening.province_code == filters.provincia)
    elif filters.departamento:
        conditions.append(Opening.department_code == filters.departamento)
    if filters.tipo:
        conditions.append(Opening.kind == filters.tipo)
    if filters.modalidad:
        conditions.append(Opening.work_mode == filters.modalidad)

    total = db.session.scalar(select(func.count()).select_from(Opening).where(*conditions)) or 0
    offset = (filters.pagina - 1) * PAGE_SIZE
    items = _cards(*conditions, order=ORDER_BY[filters.orden], offset=offset) if offset < total else []
    return Page(items=items, total=total, page=filters.pagina, per_page=PAGE_SIZE)


def family_choices(keep: int | None = None) -> list[tuple[int, str]]:
    """The filter's families: the live ones, and the chosen one (a shared link keeps working)."""
    return list(db.session.execute(
        select(Family.id, Family.name).where(live.families([keep] if keep else ())).order_by(Family.position)))


def programme_choices(family_id: int | None, keep: int | None = None) -> list[tuple[int, str]]:
    if not family_id:
        return []
    return list(db.session.execute(
        select(Programme.id, Programme.name)
        .where(Programme.family_id == family_id, live.programmes([keep] if keep else ())).order_by(Programme.name)
    ))


# --- One opening --------------------------------------------------------------------------


@functools.cache
def _opening_page_statement() -> Select:
    """The opening page's read, built once: building it (and its cache key) on each request
    cost about as much as running it (0.28 ms of SQLAlchemy, 2026-12-04)."""
    return (
        select(Opening)
        .where(Opening.id == bindparam("opening_id"))
        .options(
            joinedload(Opening.company),
            joinedload(Opening.family),
            selectinload(Opening.requirements).joinedload(OpeningRequirement.module),
            selectinload(Opening.programmes),
        )
    )


def visible_opening(opening_id: int, company_id: int | None) -> Opening | None:
    """An opening anyone may see: not a draft, unless it is the viewer's company's own."""
    opening = db.session.scalar(_opening_page_statement(), {"opening_id": opening_id})
    if opening is None:
        return None
    if opening.state == "draft" and opening.company_id != company_id:
        return None
    return opening


def days_left(deadline: date | None, day: date | None = None) -> int | None:
    if deadline is None:
        return None
    return (deadline - (day or clock.today())).days


# --- Feeds and the sitemap --------------------------------------------------------------


class FeedEntry:
    """A listing result as an Atom entry: its card, and the dates and text the card leaves out."""

    __slots__ = ("card", "published", "updated", "description")

    def __init__(self, card: OpeningCard, published, updated, description: str) -> None:
        self.card, self.published, self.updated, self.description = card, published, updated, description


def feed_entries(cards: list[OpeningCard]) -> list[FeedEntry]:
    """The cards of one listing page with their dates and description (one query)."""
    if not cards:
        return []
    rows = {r.id: r for r in db.session.execute(
        select(Opening.id, Opening.published_at, Opening.updated_at, Opening.created_at, Opening.description)
        .where(Opening.id.in_([c.id for c in cards])))}
    entries = []
    for card in cards:
        row = rows.get(card.id)
        if row is None:  # removed since the listing read it
            continue
        published = row.published_at or row.created_at
        entries.append(FeedEntry(card, published, max(row.updated_at or published, published), row.description or ""))
    return entries


def feed_updated(entries: list[FeedEntry]):
    """When a feed last changed: its newest entry's change (now, for an empty feed)."""
    return max((e.updated for e in entries), default=None) or clock.utcnow()


def sitemap_openings(day: date | None = None) -> list[tuple[int, object]]:
    """(id, last change) of every opening anyone may find, newest first."""
    return list(db.session.execute(
        select(Opening.id, Opening.updated_at).where(*open_conditions(day))
        .order_by(*ORDER_BY[DEFAULT_ORDER])))
