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
"""
from __future__ import annotations

from sqlalchemy import bindparam, event, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from portal.models import DataVersion, Opening

# What each counter covers: a write to any of these tables moves it. The public listing
# shows openings with their company's name and verification, filters by programme, and
# finds openings by the names of their company (and of the CETPRO that verified it), family and programmes; a student's
# recommendations (from the same index) read the openings' requirements with their
# modules' names, and the CETPROs they target.
WATCHED = {"openings": frozenset({"openings", "companies", "opening_programmes", "programmes", "families",
                                  "opening_requirements", "modules", "opening_cetpros",
                                  # the badge names the CETPRO that verified the company
                                  "company_endorsements", "cetpros"})}


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
}
# Only published openings are listed or matched: a change to an opening that is not
# published before nor after it (a draft being written, a closed one's notes), or to the
# rows that hang from one, moves nothing either.
LISTED = "published"


# Built once: this is read on every listing request, and building it cost more than running it.
_CURRENT = select(DataVersion.value).where(DataVersion.name == bindparam("name"))


def current(session: Session, name: str) -> int:
    # On the session's connection (its transaction, so later reads see the same data),
    # without the ORM's statement handling, which cost more than the query.
    return session.connection().execute(_CURRENT, {"name": name}).scalar() or 0


def bump(session: Session, name: str) -> None:
    """Move the counter inside the session's transaction (created on first use)."""
    connection = session.connection()
    moved = connection.execute(update(DataVersion).where(DataVersion.name == name)
                               .values(value=DataVersion.value + 1))
    if not moved.rowcount:
        connection.execute(insert(DataVersion).values(name=name, value=1))


def _before_flush(session: Session, flush_context, instances) -> None:
    tables = {getattr(o, "__tablename__", None) for o in (*session.new, *session.dirty, *session.deleted)
              if _may_show(session, o)}
    for name, watched in WATCHED.items():
        if tables & watched:
            bump(session, name)


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
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "do_orm_execute", _on_execute)
