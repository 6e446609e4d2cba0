"""GET /api/v1/openings: the published openings, public like /ofertas and with its filters,
a page at a time (an opaque `cursor`), with an ETag that changes when the open openings do."""
from __future__ import annotations

import hashlib
from datetime import date

from flask import Response, g, request
from pydantic import BaseModel, Field
from spectree import Response as Answers
from werkzeug.datastructures import MultiDict

from portal import clock, links, places, vocab
from portal.api import bp
from portal.api.auth import requires
from portal.api.spec import Problem, spec
from portal.openings import listing, queries
from portal.paging import MAX_PAGE

FILTERS = ("q", "familia", "programa", "departamento", "provincia", "tipo", "modalidad", "orden")


class OpeningsQuery(BaseModel):
    q: str | None = Field(None, max_length=200, description="Palabras a buscar, como en /ofertas.")
    familia: str | None = Field(None, max_length=20, description="Id de la familia productiva.")
    programa: str | None = Field(None, max_length=20, description="Id del programa de estudios (con `familia`).")
    departamento: str | None = Field(None, max_length=20, description="Código INEI del departamento (2 dígitos).")
    provincia: str | None = Field(None, max_length=20, description="Código INEI de la provincia (con `departamento`).")
    tipo: str | None = Field(None, max_length=40, description="Tipo de oferta: " + ", ".join(vocab.OPENING_KINDS))
    modalidad: str | None = Field(None, max_length=40, description="Modalidad: " + ", ".join(vocab.WORK_MODES))
    orden: str | None = Field(None, max_length=20, description="recientes (por defecto), cierre o sueldo.")
    cursor: str | None = Field(None, pattern=r"^[1-9][0-9]{0,3}$",
                               description="El `next_cursor` de la página anterior (opaco: no lo construyas).")


class Company(BaseModel):
    name: str
    verified: bool


class OpeningOut(BaseModel):
    id: int
    title: str
    kind: str = Field(description="Código del tipo (" + ", ".join(vocab.OPENING_KINDS) + ").")
    kind_label: str
    work_mode: str
    department_code: str | None
    department: str | None
    province_code: str | None
    province: str | None
    pay_monthly: float | None = Field(description="Pago mensual en soles (PEN), si la oferta lo dice.")
    deadline: date | None
    company: Company
    url: str = Field(description="La página pública de la oferta.")


class OpeningsPage(BaseModel):
    items: list[OpeningOut]
    total: int = Field(description="Cuántas ofertas coinciden con los filtros.")
    next_cursor: str | None = Field(description="Pásalo como `cursor` para la página siguiente; null: no hay más.")


def _cursor(page: int) -> str | None:
    return str(page) if page <= MAX_PAGE else None


def _page_of(cursor: str | None) -> int:
    """The page a cursor names (its form is checked by the query's model: a 422 otherwise)."""
    return int(cursor) if cursor else 1


def _out(card) -> OpeningOut:
    return OpeningOut(
        id=card.id, title=card.title, kind=card.kind, kind_label=vocab.OPENING_KINDS.get(card.kind, card.kind),
        work_mode=card.work_mode, department_code=card.department_code,
        department=places.department_name(card.department_code) if card.department_code else None,
        province_code=card.province_code,
        province=places.province_name(card.province_code) if card.province_code else None,
        pay_monthly=float(card.pay_monthly) if card.pay_monthly is not None else None, deadline=card.deadline,
        company=Company(name=card.company.display_name, verified=card.company.is_verified),
        url=links.external("openings.show", opening_id=card.id))


@bp.route("/openings")
@spec.validate(query=OpeningsQuery, resp=Answers(HTTP_200=OpeningsPage, HTTP_304=None, HTTP_401=Problem,
                                                 HTTP_403=Problem, HTTP_422=Problem, HTTP_429=Problem),
               tags=["ofertas"], security=[{}, {"token": ["openings:read"]}], operation_id="listOpenings")
@requires("openings:read", public=True)
def list_openings():
    """Ofertas publicadas

    Las mismas ofertas y filtros que /ofertas (sin token, o con un token con `openings:read`), 20
    por página. Cada respuesta lleva un `ETag`: repítelo en `If-None-Match` y, si nada cambió, la
    respuesta es 304 sin cuerpo.
    """
    page = _page_of(request.args.get("cursor"))
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in FILTERS])
    args["pagina"] = str(page)
    filters = queries.Filters.from_args(args)
    day = clock.today()
    version = listing.open_openings(day).version
    etag = hashlib.sha256(repr((version, day, sorted(filters.args().items()), page)).encode()).hexdigest()[:32]
    g.api_audit = {"filters": filters.args()}
    if etag in request.if_none_match:
        response = Response(status=304)
        response.set_etag(etag)
        return response
    found = queries.search_openings(filters, day)
    body = OpeningsPage(items=[_out(card) for card in found.items], total=found.total,
                        next_cursor=_cursor(page + 1) if page < found.pages else None)
    response = Response(body.model_dump_json(), mimetype="application/json")
    response.set_etag(etag)
    return response
