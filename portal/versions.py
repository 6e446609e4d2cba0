"""Data versions: one counter per kind of shared data, bumped in the writing transaction.

A cache that lives in one process (the public listing's index, portal.openings.index)
reads the counter before it answers and rebuilds when it moved, so every gunicorn
worker, and every machine on the same database, sees a write as soon as it commits.
The counter moves in the same transaction as the write, so a reader can never see
the new version with the old rows (and the rows a reader caches under an old version
are never served once the version moved).

Writes are found without the write paths having to remember: any flush that adds,
changes or deletes a row of a watched table, and any INSERT, UPDATE or DELETE statement
on one executed through the session (ORM bulk or Core, as expiry, verification and
tests do), bumps its counter. Writes that bypass the session altogether (raw SQL on a
connection of its own) must call `bump` themselves; nothing in the portal does.

Each move also says what it changed (the `data_changes` log, in the same transaction):
the ids of the openings a flush added, changed or removed, or "anything" for a write
that reaches every card (a company renamed, the catalogue edited, a bulk statement). A
process a few versions behind reads the log since its version (`changes`) and re-reads
only those openings (portal/openings/index.py); it rebuilds when the log says
"anything" or was trimmed past its version.

Restoring a backup puts back older counters and logs: the web processes are stopped
for a restore over the live database and started after (docs/DEPLOY.md §3).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import psycopg
from psycopg import pq
from sqlalchemy import bindparam, delete, event, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from portal.models import DataChange, DataVersion, Opening

# What each counter covers: a write to any of these tables moves it. The public listing
# shows openings with their company's name and verification, filters by programme, and
# finds openings by the names of their company (and of the CETPRO that verified it), family and programmes; a student's
# recommendations (from the same index) read the openings' requirements with their
# modules' names, and the CETPROs they target.
WATCHED = {"openings": frozenset({"openings", "companies", "opening_programmes", "programmes", "families",
                                  "opening_requirements", "modules", "opening_cetpros",
                                  # the badge names the CETPRO that verified the company
                                  "company_endorsements", "cetpros"}),
            # The running job alerts the worker keeps (portal/alerts/index.py): the alerts, and
            # what deciding whether a student may apply reads of her.
            "alerts": frozenset({"alerts", "student_profiles"})}


# Columns of a watched table that nothing under the counter reads (the listing shows a
# company's name and badge, finds it by name, and groups the openings a CETPRO's name is
# on): an update that changes only these leaves the counter alone, so a company editing its
# phone or description, or a CETPRO its UGEL, rebuilds nobody's index. A column missing
# here counts as read, the safe side. tests/openings/test_version_relevance.py changes each
# of them and checks that an index built afresh is identical.
UNSEEN = {
    "companies": frozenset({"ruc", "sector", "department_code", "province_code", "district_code", "address",
                            "website", "phone", "description", "logo_path", "verification_note", "verified_at",
                            "verified_by_id", "suspended_at", "suspension_reason", "created_at"}),
    "cetpros": frozenset({"codigo_modular", "department_code", "province_code", "district_code", "management",
                          "ugel", "created_at"}),
    # The alerts' index reads an alert's query (not the columns saved beside it, which the
    # query gives), frequency, pause, date and student; sending an alert writes last_sent_at.
    "alerts": frozenset({"words", "family_id", "programme_id", "department_code", "province_code", "kind",
                         "work_mode", "initial", "last_sent_at", "student"}),
    # Of a student it reads her CETPRO, status and graduation date (who may apply to what).
    "student_profiles": frozenset({"user_id", "programme_id", "level", "document_type", "document_number",
                                   "birth_date", "department_code", "province_code", "district_code",
                                   "availability", "sex", "open_to_offers", "verification_state",
                                   "verification_note", "cv_path", "cv_uploaded_at", "updated_at", "user",
                                   "programme", "modules", "skills"}),
}
# Only published openings are listed or matched: a change to an opening that is not
# published before nor after it (a draft being written, a closed one's notes), or to the
# rows that hang from one, moves nothing either.
LISTED = "published"
# The log keeps the changes of the last KEEP versions (trimmed every TRIM_EVERY moves); a
# move that changes more than LOGGED_IDS openings is logged as "anything" (a rebuild costs
# less than re-reading that many one by one).
KEEP = 5000
TRIM_EVERY = 500
LOGGED_IDS = 2000
ANYTHING = None  # what `changes` answers when the log cannot say which rows


# Built once: this is read on every listing request, and building it cost more than running it.
_CURRENT = select(DataVersion.value).where(DataVersion.name == bindparam("name"))


def current(session: Session, name: str) -> int:
    # On the session's connection (its transaction, so later reads see the same data),
    # without the ORM's statement handling, which cost more than the query.
    return current_on(session.connection(), name)


def current_on(connection, name: str) -> int:
    """The same read on a connection (outside any session)."""
    return connection.execute(_CURRENT, {"name": name}).scalar() or 0


def reader_on(connection, name: str) -> Callable[[], int]:
    """`current_on(connection, name)` as a call of no arguments on the connection's own
    driver, the statement compiled once (portal/openings/fastpath.py, which reads it on every
    request it sees). SQLAlchemy's execution cost more than the read itself, measured: 12 →
    2 µs a read on SQLite, 50 → 20 µs on PostgreSQL. The connection must be in autocommit
    mode, or the read would leave a transaction open.

    On PostgreSQL the statement is prepared once on the connection and run through libpq
    (`_prepared_read`), below psycopg's cursor: measured in one process on the large set
    (2026-12-05), 53 → 24 µs of the worker's CPU a read, 98 → 69 µs of waiting; PostgreSQL's
    own work is the same (33 µs)."""
    statement = str(select(DataVersion.value).where(DataVersion.name == name)
                    .compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        return _prepared_read(driver, statement, f"enlace_version_{name}".encode())

    def read() -> int:
        cursor = driver.cursor()
        try:
            cursor.execute(statement)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return (row[0] if row else 0) or 0
    return read


def _prepared_read(driver, statement: str, prepared: bytes) -> Callable[[], int]:
    """The read of a version on a psycopg connection's libpq connection: PQexecPrepared of the
    statement prepared under `prepared`, its one value parsed (text format, as psycopg
    receives it). A failure raises psycopg's error, as the cursor's read would."""
    pgconn = driver.pgconn

    def check(result):
        if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            message = (result.error_message or pgconn.error_message).decode(errors="replace").strip()
            raise psycopg.OperationalError(message or "the version could not be read")
        return result

    check(pgconn.prepare(prepared, statement.encode()))

    def read() -> int:
        result = check(pgconn.exec_prepared(prepared, None))
        value = result.get_value(0, 0) if result.ntuples else None
        return int(value) if value else 0
    return read


def bump(session: Session, name: str, row_ids: Iterable[int] | None = ANYTHING) -> int:
    """Move the counter inside the session's transaction (created on first use), and log
    what moved it: these rows' ids, or "anything" (the default: a caller that cannot say).
    Returns the new version."""
    connection = session.connection()
    version = connection.execute(update(DataVersion).where(DataVersion.name == name)
                                 .values(value=DataVersion.value + 1).returning(DataVersion.value)).scalar()
    if version is None:
        version = 1
        connection.execute(insert(DataVersion).values(name=name, value=version))
    ids = sorted(set(row_ids)) if row_ids is not None else None
    if ids is None or len(ids) > LOGGED_IDS:
        ids = [None]
    connection.execute(insert(DataChange), [{"name": name, "version": version, "row_id": i} for i in ids])
    if version % TRIM_EVERY == 0:
        connection.execute(delete(DataChange).where(DataChange.name == name, DataChange.version <= version - KEEP))
    return version


_CHANGES = (select(DataChange.version, DataChange.row_id)
            .where(DataChange.name == bindparam("name"), DataChange.version > bindparam("since"),
                   DataChange.version <= bindparam("until")))


def changes(session: Session, name: str, since: int, until: int) -> frozenset[int] | None:
    """The ids of the rows that the moves after `since` up to `until` changed, or
    `ANYTHING` (None) when one of them was logged so, or the log no longer reaches back."""
    if not 0 < since < until or until - since > KEEP:
        return ANYTHING
    rows = session.connection().execute(_CHANGES, {"name": name, "since": since, "until": until}).all()
    if len({version for version, _ in rows}) != until - since:
        return ANYTHING  # trimmed, or written by an older portal that logged nothing
    ids = frozenset(row_id for _, row_id in rows)
    return ANYTHING if None in ids else ids


def _after_flush(session: Session, flush_context) -> None:
    # After the flush, not before: a new opening's id is known, and the attributes'
    # history still says what the flush changed.
    rows = [o for o in (*session.new, *session.dirty, *session.deleted) if _may_show(session, o)]
    if not rows:
        return
    for name, watched in WATCHED.items():
        mine = [o for o in rows if o.__tablename__ in watched]
        if mine:
            bump(session, name, _ids(mine))


def _ids(rows) -> list[int] | None:
    """The openings these rows change, or None when they may change any (a company's name
    is on all its openings' cards; a programme's name finds openings by it)."""
    ids = []
    for row in rows:
        table = row.__tablename__
        if table == "openings":
            ids.append(row.id)
        elif table == "opening_requirements" and (opening_id := row.__dict__.get("opening_id")) is not None:
            ids.append(opening_id)
        else:
            return None
    return ids


def _may_show(session: Session, row) -> bool:
    """Whether adding, changing or deleting this row can change what a watched reader shows
    (True when unsure)."""
    table = getattr(row, "__tablename__", None)
    if table == "openings":
        return _ever_listed(row) and (row in session.new or row in session.deleted or _changed(row))
    if table == "opening_requirements":
        # Follows its opening, when the session holds it (no query in the middle of a flush).
        opening = row.__dict__.get("opening") or (
            session.identity_map.get(identity_key(Opening, row.opening_id)) if row.opening_id else None)
        return opening is None or _ever_listed(opening)
    unseen = UNSEEN.get(table)
    if unseen is None or row in session.new or row in session.deleted:
        return True
    return bool(_changed(row) - unseen)


def _changed(row) -> set[str]:
    """The attributes (columns and collections) whose value this flush changes: a form saved
    as it was changes none."""
    return {attr.key for attr in inspect(row).attrs if attr.history.has_changes()}


def _ever_listed(opening) -> bool:
    """Whether the opening is published, or was when last read from the database."""
    state = inspect(opening)
    if "state" in state.unloaded:
        # Not read since the last commit: what it was is unknown, unless it is new (the
        # column's default is a draft).
        return not (state.transient or state.pending)
    history = state.attrs.state.history
    if not (history.unchanged or history.deleted or state.transient or state.pending):
        return True  # set without being read first: what it was is unknown
    return LISTED in (*history.added, *history.unchanged, *history.deleted)


def _on_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    for name, watched in WATCHED.items():
        if getattr(table, "name", None) in watched:
            bump(state.session, name)


def watch(session_class) -> None:
    """Install the listeners on a session class (Flask-SQLAlchemy's, once per process)."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
        event.listen(session_class, "do_orm_execute", _on_execute)
