"""The audit trail: who did what to which row, added to the caller's transaction; and its
reads, for admins (/admin/auditoria, every event) and coordinators (/coordinador/auditoria,
the events of their own CETPRO: `of_cetpro`, the one definition of that)."""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, Select, bindparam, false, func, join, or_, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from portal import clock, formatting, vocab
from portal.access import students_of
from portal.extensions import db
from portal.forms import ID_MAX
from portal.models import (
    ApiToken,
    Application,
    AuditEvent,
    Certificate,
    Cetpro,
    Company,
    Convenio,
    FollowUp,
    Nomination,
    Opening,
    Placement,
    Programme,
    StudentProfile,
    User,
)
from portal.paging import Number, Page, PageNumber, Param, QueryFilters, Text


def audit(action: str, obj, actor: User | None = None, **data) -> None:
    """Record `action` on `obj` by `actor` (None: the system). Not committed: the caller's
    commit writes the event with the change it records, and a rollback leaves neither."""
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=type(obj).__name__,
            object_id=getattr(obj, "id", None),
            data=data or None,
        )
    )


# --- What the events are called -----------------------------------------------------------

SYSTEM = "sistema"  # the actor filter's word for events nobody signed in did (scheduled jobs)


ACTIONS, OBJECTS = vocab.AUDIT_ACTIONS, vocab.AUDIT_OBJECTS


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def object_label(object_type: str) -> str:
    return OBJECTS.get(object_type, object_type)


# --- Whose events -------------------------------------------------------------------------


class among(FunctionElement):
    """`column IN (ids)`, for a select of ids read once and then looked up by index.

    PostgreSQL plans `IN (select)` as a join and, counting disk pages it does not read, took
    a hash of the whole other table for a CETPRO's few hundred students (a seq scan of
    200,000 applications, then of 350,321 events: 300 ms a statement on the large set);
    `= ANY(ARRAY(select))` reads the ids first and looks each up. SQLite already runs
    `IN (select)` that way.
    """

    type = Boolean()
    inherit_cache = True
    name = "among"
    _is_implicitly_boolean = True  # a condition as it is: no "= 1" where booleans are integers (SQLite)

    def __init__(self, column, ids):
        super().__init__(column, ids.scalar_subquery())


@compiles(among)
def _among(element, compiler, **kw):
    column, ids = list(element.clauses)
    return f"{compiler.process(column, **kw)} IN {compiler.process(ids, **kw)}"


@compiles(among, "postgresql")
def _among_postgresql(element, compiler, **kw):
    column, ids = list(element.clauses)
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(ids, **kw)})"


def of_cetpro(cetpro_id: int | None) -> ColumnElement[bool]:
    """A condition on AuditEvent: the events of one CETPRO, what its coordinators may read.

    Events about the CETPRO itself, its students (their profile, their account, their
    applications), its nominations, placements and their follow-ups, its convenios, its
    coordinators' accounts, and whatever its coordinators did. Students are those a
    coordinator sees (`access.students_of`: confirmed sign-ups), so nothing here shows a
    person the CETPRO's other pages do not. Another CETPRO's events never match.
    """
    return among(AuditEvent.id, union(*_cetpro_branches(cetpro_id, AuditEvent.id)))


def _cetpro_branches(cetpro_id: int | None, *columns) -> list[Select]:
    """`of_cetpro`'s events as selects of `columns` of AuditEvent, one per kind of object
    (their union is the CETPRO's events): each an index lookup (ix_audit_events_object,
    which also holds the time and id) per object of this CETPRO, so the trail costs what the
    CETPRO holds, not what the whole platform wrote."""
    cetpro_id = cetpro_id or -1
    students = select(StudentProfile.id).where(students_of(cetpro_id))
    coordinators = select(User.id).where(User.role == "coordinator", User.cetpro_id == cetpro_id)
    kind, object_id = AuditEvent.object_type, AuditEvent.object_id

    def about(object_type: str, ids: Select) -> Select:
        return select(*columns).where(kind == object_type, among(object_id, ids))

    # A union the outer query reads by primary key (or pages): an OR of these conditions made
    # the database test every event of the platform (46 ms for one page on the large set).
    return [
        select(*columns).where(kind == "Cetpro", object_id == cetpro_id),
        about("StudentProfile", students),
        about("User", select(StudentProfile.user_id).where(students_of(cetpro_id))),
        about("User", coordinators),
        about("Application", select(Application.id).where(among(Application.student_id, students))),
        about("Nomination", select(Nomination.id).where(Nomination.cetpro_id == cetpro_id)),
        about("Placement", select(Placement.id).where(Placement.cetpro_id == cetpro_id)),
        about("FollowUp", select(FollowUp.id).join(Placement, Placement.id == FollowUp.placement_id)
              .where(Placement.cetpro_id == cetpro_id)),
        about("Convenio", select(Convenio.id).where(Convenio.cetpro_id == cetpro_id)),
        about("Certificate", select(Certificate.id).where(Certificate.cetpro_id == cetpro_id)),
        about("ApiToken", select(ApiToken.id).where(ApiToken.cetpro_id == cetpro_id)),
        select(*columns).where(among(AuditEvent.actor_id, coordinators)),
    ]


def visible_to(user: User) -> ColumnElement[bool]:
    """The events `user` may read: all for an admin, their CETPRO's for a coordinator, none else."""
    if user.role == "admin":
        return AuditEvent.id.is_not(None)
    if user.role == "coordinator" and user.cetpro_id:
        return of_cetpro(user.cetpro_id)
    return AuditEvent.id.is_(None)


# --- Filters ------------------------------------------------------------------------------


class Day(Param):
    """A date typed as 2026-12-03 (what <input type=date> sends) or 03/12/2026."""

    def parse(self, text: str) -> date | None:
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = datetime.strptime(text, pattern).date()
            except ValueError:
                continue
            return day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else None
        return None

    def arg(self, value: Any) -> Any:
        return value.isoformat() if value else value

    def label(self, value: Any, name: str | None) -> str:
        return f"{self.title}: {formatting.day(value)}"


class AuditFilters(QueryFilters):
    """The query string of an audit trail page; the CSV export takes the same one."""

    actor = Text(100, title="Actor")  # a user id, an email or a name; "sistema" for scheduled jobs
    accion = Text(60, title="Acción")  # a code ("user.deactivated") or its group ("user")
    tipo = Text(40, title="Objeto")  # an object type ("Company")
    objeto = Number(title="ID")
    desde = Day(title="Desde")
    hasta = Day(title="Hasta")
    pagina = PageNumber()

    def clean(self) -> None:
        if self.desde and self.hasta and self.hasta < self.desde:
            self.drop("hasta")

    def label_of(self, key: str) -> str:
        value = getattr(self, key)
        if key == "accion":
            return f"Acción: {action_label(value)}"
        if key == "tipo":
            return f"Objeto: {object_label(value)}"
        if key == "actor":
            return f"Actor: «{value}»"
        return self.params[key].label(value, self.names.get(key))

    def active(self) -> list[tuple[str, str]]:
        return [(key, self.label_of(key)) for key, param in self.params.items()
                if param.filter and self.is_set(key)]


def lima_start(day: date) -> datetime:
    """The first instant of a Lima day, as the database stores instants (naive UTC)."""
    return datetime.combine(day, time.min, tzinfo=clock.LIMA).astimezone(UTC).replace(tzinfo=None)


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _filtered(query: Select, filters: AuditFilters) -> Select:
    if filters.actor:
        if filters.actor.lower() == SYSTEM:
            query = query.where(AuditEvent.actor_id.is_(None))
        elif filters.actor.isascii() and filters.actor.isdigit():
            number = int(filters.actor) if len(filters.actor) <= 10 else ID_MAX + 1
            # a number no id column holds names nobody (PostgreSQL would refuse to compare it)
            query = query.where(AuditEvent.actor_id == number if number <= ID_MAX else false())
        else:
            conditions = [or_(func.lower(User.email).like(_like(word), escape="\\"),
                              func.lower(User.first_names).like(_like(word), escape="\\"),
                              func.lower(User.last_names).like(_like(word), escape="\\"))
                          for word in filters.actor.split()]
            query = query.where(AuditEvent.actor_id.in_(select(User.id).where(*conditions)))
    if filters.accion:
        if "." in filters.accion:
            query = query.where(AuditEvent.action == filters.accion)
        else:
            query = query.where(AuditEvent.action.startswith(filters.accion + ".", autoescape=True))
    if filters.tipo:
        query = query.where(AuditEvent.object_type == filters.tipo)
    if filters.objeto:
        query = query.where(AuditEvent.object_id == filters.objeto)
    if filters.desde:
        query = query.where(AuditEvent.created_at >= lima_start(filters.desde))
    if filters.hasta:
        query = query.where(AuditEvent.created_at < lima_start(filters.hasta + timedelta(days=1)))
    return query


# --- Reads --------------------------------------------------------------------------------

PER_PAGE = 30
DETAILS_SHOWN = 300  # characters of an event's data on the page
EXPORT_MAX = 100_000  # rows in one CSV; a wider export is narrowed with the filters
# The trail only grows: past this many matching events the page says "más de 10 000" instead
# of counting them all (counting 350,321 events cost 42 ms per page view on the large set,
# SQLite; capped, 2 ms). Its pages still reach every event up to the cap; filters narrow.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime
    action: str
    object_type: str
    object_id: int | None
    object_name: str | None
    actor_id: int | None
    actor_name: str | None
    actor_email: str | None
    actor_role: str | None
    data: dict | None
    summary: str = ""  # the data in words (`describe`)

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def object_label(self) -> str:
        return object_label(self.object_type)

    @property
    def actor_role_label(self) -> str:
        return vocab.ROLES.get(self.actor_role, self.actor_role or "")

    @property
    def details(self) -> str:
        """The event's data as "key: value · …", for people; cut where it would fill the
        page (an import lists every id it made: the CSV keeps all of it)."""
        text = self.summary
        return text if len(text) <= DETAILS_SHOWN else text[:DETAILS_SHOWN - 1].rstrip() + "…"


# Facts an event records as [old, new] (what a student changed of what the CETPRO vouched
# for: portal/profiles/services.py), shown to coordinators as "Programa: Electricidad → …".
CHANGES = {"programme_id": "Programa", "level": "Nivel", "status": "Situación", "graduation_date": "Fecha de egreso"}


def _fact(key: str, value, programmes: dict[int, str]) -> str:
    if value is None:
        return "—"
    if key == "programme_id":
        return programmes.get(value, f"#{value}")
    if key == "level":
        return vocab.LEVELS.get(value, str(value))
    if key == "status":
        return vocab.STUDENT_STATUSES.get(value, str(value))
    if key == "graduation_date":
        try:
            return formatting.day(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def describe(data: dict | None, programmes: dict[int, str] | None = None) -> str:
    """An event's data for people: changes as "Programa: old → new", the rest "key: value",
    joined with " · ". `programmes` names the programme ids the data holds."""
    if not data:
        return ""
    parts = []
    for key, value in data.items():
        if value is None:
            continue
        if key in CHANGES and isinstance(value, list) and len(value) == 2:
            old, new = (_fact(key, v, programmes or {}) for v in value)
            parts.append(f"{CHANGES[key]}: {old} → {new}")
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        parts.append(f"{key}: {shown}")
    return " · ".join(parts)


def _event_rows(source, *extra) -> Select:
    """Page rows read from `source` (the events, or a join that holds them): the event's
    columns and its actor's name, email and role (no actor: a system event), then `extra`."""
    actor = aliased(User)
    return select(AuditEvent.id, AuditEvent.created_at, AuditEvent.action, AuditEvent.object_type,
                  AuditEvent.object_id, AuditEvent.actor_id, AuditEvent.data,
                  actor.first_names, actor.last_names, actor.email, actor.role, *extra) \
        .select_from(join(source, actor, actor.id == AuditEvent.actor_id, isouter=True))


def _events(viewer: User, filters: AuditFilters) -> Select:
    return _filtered(_event_rows(AuditEvent).where(visible_to(viewer)), filters)


# Built statements of coordinators' pages, by CETPRO and filters (every page of one trail is
# one statement: its offset is bound at execution): building one (twelve branches, three
# `students_of`) cost 1.7-6 ms a request, more than running it. A statement holds no state
# of a request or a session, but about 370 KiB once its cache key is made (measured with
# tracemalloc, 2026-12-04), so only the most recently used few are kept.
_PAGE_STATEMENTS: OrderedDict[tuple, Select] = OrderedDict()
_PAGE_STATEMENTS_MAX = 64  # about 24 MiB per process at most
_PAGE_STATEMENTS_LOCK = threading.Lock()


def _coordinator_page(viewer: User, filters: AuditFilters) -> Select:
    """`_coordinator_statement`, built once per CETPRO and filters (the page number apart:
    executed with `page_offset`)."""
    key = (viewer.cetpro_id, PER_PAGE, COUNT_CAP,
           *(getattr(filters, name) for name in filters.params if name != "pagina"))
    with _PAGE_STATEMENTS_LOCK:
        statement = _PAGE_STATEMENTS.get(key)
        if statement is not None:
            _PAGE_STATEMENTS.move_to_end(key)
            return statement
    statement = _coordinator_statement(viewer.cetpro_id, filters)
    with _PAGE_STATEMENTS_LOCK:
        _PAGE_STATEMENTS[key] = statement
        while len(_PAGE_STATEMENTS) > _PAGE_STATEMENTS_MAX:
            _PAGE_STATEMENTS.popitem(last=False)
    return statement


def _coordinator_statement(cetpro_id: int, filters: AuditFilters) -> Select:
    """A coordinator's page and its count in one statement: the CETPRO's matching events
    (`of_cetpro`'s union, a few thousand at most per CETPRO) are found once, with their
    time, then counted (up to COUNT_CAP + 1) and the page read from them, with `total` on
    each row. Found once and not in the order of the trail's index: walking that index
    newest first and testing each event against the union read the whole platform's trail
    for a CETPRO's 2,000. Each branch of the union carries the filters and reads (id,
    created_at) from ix_audit_events_object alone; the events' rows are read for the page."""
    matching = (union(*(_filtered(branch, filters)
                        for branch in _cetpro_branches(cetpro_id, AuditEvent.id, AuditEvent.created_at)))
                .cte("matching").prefix_with("MATERIALIZED"))
    shown = (select(matching.c.id, matching.c.created_at)
             .order_by(matching.c.created_at.desc(), matching.c.id.desc())
             .limit(PER_PAGE).offset(bindparam("page_offset", type_=Integer)).subquery("shown"))
    counted = select(matching.c.id).limit(COUNT_CAP + 1).subquery("counted")
    return (
        _event_rows(join(shown, AuditEvent, AuditEvent.id == shown.c.id),
                    select(func.count()).select_from(counted).scalar_subquery().label("total"))
        .order_by(shown.c.created_at.desc(), shown.c.id.desc())
    )


def _count(viewer: User, filters: AuditFilters) -> int:
    """How many events match, up to COUNT_CAP + 1."""
    matching = (_filtered(select(AuditEvent.id).where(visible_to(viewer)), filters)
                .limit(COUNT_CAP + 1).subquery())
    return db.session.scalar(select(func.count()).select_from(matching)) or 0


# Names of the objects an event is about, looked up for a page of events at once.
_NAMES: dict[str, Any] = {
    "User": lambda ids: select(User.id, func.trim(User.first_names + " " + User.last_names)).where(User.id.in_(ids)),
    "StudentProfile": lambda ids: select(StudentProfile.id, func.trim(User.first_names + " " + User.last_names))
    .join(User, User.id == StudentProfile.user_id).where(StudentProfile.id.in_(ids)),
    "Company": lambda ids: select(Company.id, func.coalesce(Company.trade_name, Company.legal_name))
    .where(Company.id.in_(ids)),
    "Cetpro": lambda ids: select(Cetpro.id, Cetpro.name).where(Cetpro.id.in_(ids)),
    "Opening": lambda ids: select(Opening.id, Opening.title).where(Opening.id.in_(ids)),
    "ApiToken": lambda ids: select(ApiToken.id, ApiToken.name + " (" + ApiToken.prefix + "…)")
    .where(ApiToken.id.in_(ids)),
}


def _object_names(rows: list) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.object_type in _NAMES and row.object_id is not None:
            wanted.setdefault(row.object_type, set()).add(row.object_id)
    names = {}
    for kind, ids in wanted.items():
        for object_id, name in db.session.execute(_NAMES[kind](sorted(ids))):
            names[(kind, object_id)] = name
    return names


def _programmes(rows: list) -> dict[int, str]:
    """Names of the programmes the events' changes mention."""
    ids = {value for row in rows if isinstance(row.data, dict) and isinstance(row.data.get("programme_id"), list)
           for value in row.data["programme_id"] if isinstance(value, int)}
    if not ids:
        return {}
    return dict(db.session.execute(select(Programme.id, Programme.name).where(Programme.id.in_(sorted(ids)))).all())


def _rows(rows: list) -> list[EventRow]:
    names, programmes = _object_names(rows), _programmes(rows)
    return [
        EventRow(id=row.id, at=row.created_at, action=row.action, object_type=row.object_type,
                 object_id=row.object_id, object_name=names.get((row.object_type, row.object_id)),
                 actor_id=row.actor_id,
                 actor_name=f"{row.first_names} {row.last_names}".strip() if row.actor_id else None,
                 actor_email=row.email, actor_role=row.role, data=row.data,
                 summary=describe(row.data, programmes))
        for row in rows
    ]


def events(viewer: User, filters: AuditFilters) -> Page[EventRow]:
    """One page of the events `viewer` may read that match, newest first; `total` stops
    counting past COUNT_CAP (`page.extra["more"]`: there are more than that)."""
    if viewer.role == "coordinator" and viewer.cetpro_id:
        rows = list(db.session.execute(_coordinator_page(viewer, filters),
                                       {"page_offset": (filters.pagina - 1) * PER_PAGE}))
        total = rows[0].total if rows else _count(viewer, filters)  # a page past the last: count
    else:
        # Everyone's trail: counted up to the cap, its page read along the index of `created`.
        total = _count(viewer, filters)
        rows = list(db.session.execute(
            _events(viewer, filters).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(PER_PAGE).offset((filters.pagina - 1) * PER_PAGE)
        ))
    return Page(items=_rows(rows), total=min(total, COUNT_CAP), page=filters.pagina, per_page=PER_PAGE,
                extra={"more": total > COUNT_CAP})


def trail(viewer: User, args) -> dict[str, Any]:
    """What an audit trail page shows `viewer` for the query string `args`: the filters, the
    page of events (only those `visible_to` them) and the choices of the filter form. The
    admin's page and the coordinator's differ only in their links and heading."""
    filters = AuditFilters.from_args(args)
    return {"filters": filters, "page": events(viewer, filters), "actions": ACTIONS, "objects": OBJECTS}


CSV_HEADERS = ("Fecha y hora (Lima)", "Actor", "Correo del actor", "Rol del actor", "Acción", "Código de la acción",
               "Objeto", "ID del objeto", "Nombre del objeto", "Detalles")


def export_rows(viewer: User, filters: AuditFilters) -> Iterator[tuple]:
    """Every matching event (up to EXPORT_MAX), newest first, as CSV rows with their header."""
    yield CSV_HEADERS
    query = (_events(viewer, filters).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
             .limit(EXPORT_MAX))
    batch: list = []
    for row in db.session.execute(query.execution_options(yield_per=1000)):
        batch.append(row)
        if len(batch) == 1000:
            yield from _csv_rows(batch)
            batch = []
    yield from _csv_rows(batch)


def _csv_rows(rows: list) -> Iterator[tuple]:
    for event in _rows(rows):
        at = event.at.replace(tzinfo=UTC).astimezone(clock.LIMA).strftime("%Y-%m-%d %H:%M:%S")
        yield (at, event.actor_name or "Sistema", event.actor_email, event.actor_role_label or None,
               event.action_label, event.action, event.object_label, event.object_id, event.object_name,
               json.dumps(event.data, ensure_ascii=False, default=str) if event.data else None)


def export_filename(scope: str) -> str:
    return f"auditoria-{scope}-{clock.today().isoformat()}.csv"
