"""Reads of published openings for the public pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import places, vocab
from portal.extensions import db
from portal.models import Company, Family, Opening, OpeningRequirement, Programme

PAGE_SIZE = 20


def _published():
    return select(Opening).where(Opening.state == "published")


def latest(limit: int = 8) -> list[Opening]:
    query = (
        _published()
        .options(joinedload(Opening.company), joinedload(Opening.family))
        .order_by(Opening.published_at.desc(), Opening.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def public_totals() -> dict[str, int]:
    published = db.session.scalar(select(func.count()).select_from(_published().subquery()))
    companies = db.session.scalar(
        select(func.count()).select_from(Company).where(Company.verification_state == "verified")
    )
    return {"openings": published or 0, "companies": companies or 0}


@dataclass
class Filters:
    """The listing's query parameters; unknown values are dropped, never an error."""

    q: str = ""
    familia: int | None = None
    departamento: str | None = None
    tipo: str | None = None
    pagina: int = 1

    @classmethod
    def from_args(cls, args) -> "Filters":
        familia = args.get("familia", "")
        departamento = args.get("departamento", "")
        tipo = args.get("tipo", "")
        try:
            pagina = max(1, min(int(args.get("pagina", "1")), 10_000))
        except ValueError:
            pagina = 1
        return cls(
            q=args.get("q", "").strip()[:100],
            familia=int(familia) if familia.isdigit() else None,
            departamento=departamento if places.name(departamento) and len(departamento) == 2 else None,
            tipo=tipo if tipo in vocab.OPENING_KINDS else None,
            pagina=pagina,
        )

    def args(self, **changes) -> dict:
        data = {"q": self.q, "familia": self.familia, "departamento": self.departamento,
                "tipo": self.tipo, "pagina": self.pagina}
        data.update(changes)
        return {k: v for k, v in data.items() if v not in (None, "") and not (k == "pagina" and v == 1)}


@dataclass
class Page:
    items: list[Opening]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search(filters: Filters) -> Page:
    query = _published()
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.join(Company, Company.id == Opening.company_id).where(
            or_(func.lower(Opening.title).like(like), func.lower(Opening.description).like(like),
                func.lower(Company.legal_name).like(like))
        )
    if filters.familia:
        query = query.where(Opening.family_id == filters.familia)
    if filters.departamento:
        query = query.where(Opening.department_code == filters.departamento)
    if filters.tipo:
        query = query.where(Opening.kind == filters.tipo)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(
        db.session.scalars(
            query.options(joinedload(Opening.company), joinedload(Opening.family))
            .order_by(Opening.published_at.desc(), Opening.id.desc())
            .limit(PAGE_SIZE)
            .offset((filters.pagina - 1) * PAGE_SIZE)
        )
    )
    return Page(items=items, total=total, page=filters.pagina)


def family_choices() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Family.id, Family.name).order_by(Family.position)))


def visible_opening(opening_id: int, company_id: int | None) -> Opening | None:
    """An opening anyone may see: not a draft, unless it is the viewer's company's own."""
    opening = db.session.scalar(
        select(Opening)
        .where(Opening.id == opening_id)
        .options(
            joinedload(Opening.company),
            joinedload(Opening.family),
            selectinload(Opening.requirements).joinedload(OpeningRequirement.module),
            selectinload(Opening.programmes),
        )
    )
    if opening is None:
        return None
    if opening.state == "draft" and opening.company_id != company_id:
        return None
    return opening


def days_left(deadline: date | None, today: date | None = None) -> int | None:
    if deadline is None:
        return None
    return (deadline - (today or date.today())).days
