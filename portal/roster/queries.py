"""Reads of the roster, always within the coordinator's CETPRO (through portal.access).

The list selects only the columns it shows, in two queries (counts by verification
state, and one page of 25), so a CETPRO of thousands costs the same as one of tens.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, distinct, exists, extract, func, or_, select

from portal import places, vocab
from portal.access import students_visible_to
from portal.extensions import db
from portal.models import Certificate, Module, Placement, Programme, StudentProfile, User, student_modules
from portal.paging import Choice, Number, Page, PageNumber, QueryFilters, Text, last_page
from portal.reference import live
from portal.roster import sheets

PER_PAGE = 25
MAX_QUERY = 100

# Query parameters speak Spanish, because people share these URLs.
VERIFICATION_PARAMS = {"pendiente": "pending", "verificado": "verified", "rechazado": "rejected"}
VERIFICATION_TABS = {"": "Todos", "pendiente": "Por verificar", "verificado": "Verificados", "rechazado": "Rechazados"}
PLACED_PARAMS = {"si": "Colocados", "no": "Sin colocación"}


class Filters(QueryFilters):
    """The list's query string; unknown values are dropped, never an error."""

    q = Text(MAX_QUERY)
    programa = Number(title="Programa")
    estado = Choice(vocab.STUDENT_STATUSES, title="Estado")
    egreso = Number(1950, 2100, title="Egreso")
    verificacion = Choice(VERIFICATION_TABS, "", title="Verificación")
    colocado = Choice(PLACED_PARAMS, title="Colocación")
    pagina = PageNumber()

    @property
    def verification_state(self) -> str | None:
        return VERIFICATION_PARAMS.get(self.verificacion)


@dataclass(frozen=True)
class RosterRow:
    id: int
    first_names: str
    last_names: str
    email: str
    dni: str
    document_type: str
    programme: str
    status: str
    graduation_date: date | None
    verification_state: str
    verification_note: str | None
    placed: bool

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_names}".strip()


_PLACED = exists().where(Placement.student_id == StudentProfile.id)
_COLUMNS = (
    StudentProfile.id, User.first_names, User.last_names, User.email, StudentProfile.document_number,
    StudentProfile.document_type, Programme.name.label("programme"), StudentProfile.status,
    StudentProfile.graduation_date, StudentProfile.verification_state, StudentProfile.verification_note,
    _PLACED.label("placed"),
)


def _scope(user: User) -> ColumnElement:
    """The tenant rule of portal.access, as a condition to combine with filters."""
    clause = students_visible_to(user).whereclause
    return clause if clause is not None else and_(True)


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _conditions(user: User, filters: Filters, with_state: bool = True) -> list:
    conditions = [_scope(user)]  # own CETPRO, confirmed emails only (portal.access.students_of)
    if filters.q:
        compact = filters.q.replace(" ", "").replace("-", "")
        if compact.isdigit():
            conditions.append(StudentProfile.document_number.startswith(compact))
        elif "@" in filters.q:
            conditions.append(User.email.like(_like(filters.q.replace(" ", "")), escape="\\"))
        else:
            for word in filters.q.split():
                pattern = _like(word)
                conditions.append(or_(func.lower(User.first_names).like(pattern, escape="\\"),
                                      func.lower(User.last_names).like(pattern, escape="\\")))
    if filters.programa:
        conditions.append(StudentProfile.programme_id == filters.programa)
    if filters.estado:
        conditions.append(StudentProfile.status == filters.estado)
    if filters.egreso:
        conditions.append(StudentProfile.graduation_date.between(date(filters.egreso, 1, 1), date(filters.egreso, 12, 31)))
    if filters.colocado == "si":
        conditions.append(_PLACED)
    elif filters.colocado == "no":
        conditions.append(~_PLACED)
    if with_state and filters.verification_state:
        conditions.append(StudentProfile.verification_state == filters.verification_state)
    return conditions


def _joined(query: Select) -> Select:
    return (query.select_from(StudentProfile)
            .join(User, User.id == StudentProfile.user_id)
            .join(Programme, Programme.id == StudentProfile.programme_id))


def _order(filters: Filters) -> tuple:
    if filters.verification_state == "pending":
        return (StudentProfile.id,)  # the queue: first registered, first served
    return (User.last_names, User.first_names, StudentProfile.id)


def state_counts(user: User, filters: Filters) -> dict[str, int]:
    """Students by verification state, every other filter applied (the tabs' numbers)."""
    return dict(db.session.execute(
        _joined(select(StudentProfile.verification_state, func.count()))
        .where(*_conditions(user, filters, with_state=False))
        .group_by(StudentProfile.verification_state)
    ).all())


def tab_counts(user: User, filters: Filters) -> dict[str, int]:
    """How many students each verification tab holds (by its URL value), other filters applied."""
    counts = state_counts(user, filters)
    return {param: counts.get(VERIFICATION_PARAMS[param], 0) if param else sum(counts.values())
            for param in VERIFICATION_TABS}


def counts_only(user: User, filters: Filters) -> Page[RosterRow]:
    """No rows, only the tab counts (to redraw the tabs after one decision)."""
    return Page(items=[], total=0, per_page=PER_PAGE, extra={"tabs": tab_counts(user, filters)})


def roster(user: User, filters: Filters) -> Page[RosterRow]:
    """One page of the CETPRO's students that match the filters, and the counts per tab."""
    tabs = tab_counts(user, filters)
    total = tabs[filters.verificacion]
    # Past the end (the last rows were just verified away, or an old link): the last page.
    number = min(filters.pagina, last_page(total, PER_PAGE))
    items = [RosterRow(*row) for row in db.session.execute(
        _joined(select(*_COLUMNS)).where(*_conditions(user, filters))
        .order_by(*_order(filters)).limit(PER_PAGE).offset((number - 1) * PER_PAGE)
    )] if total else []
    has_pending = any(row.verification_state == "pending" for row in items)
    return Page(items=items, total=total, page=number, per_page=PER_PAGE,
                extra={"tabs": tabs, "has_pending": has_pending})


def row(user: User, student_id: int) -> RosterRow | None:
    found = db.session.execute(
        _joined(select(*_COLUMNS)).where(_scope(user), StudentProfile.id == student_id)
    ).first()
    return RosterRow(*found) if found else None


def student(user: User, student_id: int) -> Select:
    """A select of one student this coordinator may act on (for one_or_404)."""
    return students_visible_to(user).where(StudentProfile.id == student_id)


def programme_choices(user: User) -> list[tuple[int, str]]:
    """Programmes the CETPRO's students follow."""
    taught = select(StudentProfile.programme_id).where(_scope(user))
    return list(db.session.execute(
        select(Programme.id, Programme.name).where(Programme.id.in_(taught)).order_by(Programme.name)
    ).tuples())


def year_choices(user: User) -> list[int]:
    """Graduation years present in the CETPRO, newest first."""
    year = extract("year", StudentProfile.graduation_date)
    years = db.session.scalars(
        select(distinct(year)).where(_scope(user), StudentProfile.graduation_date.is_not(None))
    )
    return sorted((int(y) for y in years if y is not None), reverse=True)


# --- Export -------------------------------------------------------------------------------------


def export_rows(user: User, filters: Filters) -> list[list]:
    """Every student that matches the filters, as the template's columns plus verification
    and placement; `estado` keeps the template's words, so an export can be imported again."""
    conditions = _conditions(user, filters)
    students = db.session.execute(
        _joined(select(StudentProfile.id, StudentProfile.document_type, StudentProfile.document_number,
                       User.first_names, User.last_names,
                       User.email, User.phone, Programme.name, StudentProfile.status,
                       StudentProfile.graduation_date, StudentProfile.department_code,
                       StudentProfile.province_code, StudentProfile.sex, StudentProfile.verification_state,
                       _PLACED))
        .where(*conditions)
        .order_by(User.last_names, User.first_names, StudentProfile.id)
    ).all()
    wanted = _joined(select(StudentProfile.id)).where(*conditions)
    modules: dict[int, list[str]] = defaultdict(list)
    for student_id, name in db.session.execute(
        select(student_modules.c.student_id, Module.name)
        .join(Module, Module.id == student_modules.c.module_id)
        .where(student_modules.c.student_id.in_(wanted))
        .order_by(student_modules.c.student_id, Module.position, Module.id)
    ):
        modules[student_id].append(name)
    # The certificates in force, as the «certificados» column reads them (an export imports again).
    certified: dict[int, list[str]] = defaultdict(list)
    for student_id, name, number, issued_on in db.session.execute(
        select(Certificate.student_id, Module.name, Certificate.number, Certificate.issued_on)
        .join(Module, Module.id == Certificate.module_id)
        .where(Certificate.student_id.in_(wanted), Certificate.state == "vigente")
        .order_by(Certificate.student_id, Module.position, Module.id, Certificate.id)
    ):
        certified[student_id].append(sheets.CERTIFICATE_PARTS.join((name, number, issued_on.isoformat())))
    return [
        # the number under its own column, DNI or carné de extranjería (an export imports again)
        [s.document_number if s.document_type == "dni" else "",
         s.document_number if s.document_type == "ce" else "", s.first_names, s.last_names, s.email, s.phone or "", s.name,
         "; ".join(modules.get(s.id, [])), s.status, s.graduation_date,
         places.name(s.department_code or "") or "", places.name(s.province_code or "") or "",
         vocab.SEXES[s.sex].lower() if s.sex else "",
         f"{sheets.CERTIFICATE_SEPARATOR} ".join(certified.get(s.id, [])),
         vocab.STUDENT_VERIFICATION_STATES.get(s.verification_state, s.verification_state),
         "sí" if s[-1] else "no"]
        for s in students
    ]


def template_reference() -> list[list[str]]:
    """Programmes and their modules, for the template's help sheet."""
    rows = db.session.execute(
        select(Programme.name, Module.name).join(Module, Module.programme_id == Programme.id)
        .where(live.modules())
        .order_by(Programme.name, Module.position, Module.id)
    )
    return [[programme, module] for programme, module in rows]
