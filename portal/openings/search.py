"""Text search over openings: what a person types, turned into an indexed lookup.

The index (migration 0002) covers title, description, company names, family and
accepted programmes. On SQLite it is the FTS5 table `openings_fts` (rowid = opening
id); on PostgreSQL the table `opening_search` with a GIN-indexed tsvector. Both fold
case and accents and split words on anything that is not a letter or digit, and
this module folds the query the same way, so "mecanica" finds "Mecánica" on both.
Every word is a prefix ("electri" finds "electricista"), and all words must match.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Integer, column, select, table, text
from sqlalchemy.sql import Select

from portal.extensions import db

_WORD = re.compile(r"[0-9a-z]+")
MAX_WORDS = 8

# Tables the migration creates outside the SQLAlchemy metadata: the FTS5 table and
# its shadow tables on SQLite, the tsvector table on PostgreSQL.
SEARCH_TABLES = frozenset(
    {"opening_search", "openings_fts"}
    | {f"openings_fts_{part}" for part in ("data", "idx", "content", "docsize", "config")}
)


def fold(value: str) -> str:
    """Lower case without accents: 'Mecánica ÑAÑA' → 'mecanica nana'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(query: str) -> list[str]:
    """The searchable words of a query; punctuation and search syntax never get through.

    A single letter is left out: as a prefix it matches nearly every opening, so it
    would cost the most and narrow nothing (the first keystroke of a live search).
    """
    return [word for word in _WORD.findall(fold(query)) if len(word) > 1][:MAX_WORDS]


def matching_ids(query: str, among: list[int] | None = None) -> Select | None:
    """A select of the ids of openings whose text matches every word as a prefix (only
    `among` these ids, when given), or None when the query has no searchable word (then
    it filters nothing)."""
    terms = words(query)
    if not terms:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in terms)
        found = (
            select(column("opening_id", Integer))
            .select_from(table("opening_search"))
            .where(text("document @@ to_tsquery('simple', :tsquery)").bindparams(tsquery=tsquery))
        )
        return found if among is None else found.where(column("opening_id", Integer).in_(among))
    # Quoted terms: FTS5 reads them as plain words even if one is spelled like AND or NEAR.
    match = " ".join(f'"{term}"*' for term in terms)
    found = (
        select(column("rowid", Integer))
        .select_from(table("openings_fts"))
        .where(text("openings_fts MATCH :match").bindparams(match=match))
    )
    return found if among is None else found.where(column("rowid", Integer).in_(among))


# --- Alembic: the search objects are not in the models ------------------------------------


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """For `include_name` in migrations/env.py: autogenerate skips the search tables."""
    return not (type_ == "table" and name in SEARCH_TABLES)


_ignored = False


def ignore_in_autogenerate() -> None:
    """Make every schema comparison in this process skip the search tables.

    `include_name` only reaches comparisons that env.py configures; this hook (Alembic's
    comparator registry for third-party plugins) also covers a bare `compare_metadata`,
    as tests/test_migrations.py calls it. It runs last and drops the "remove table"
    operations that the comparison produced for the search tables.
    """
    global _ignored
    if _ignored:
        return
    # Alembic's autogenerate machinery is only wanted by schema comparisons, not by workers.
    from alembic.autogenerate.compare import comparators
    from alembic.operations import ops
    from alembic.util import DispatchPriority, PriorityDispatchResult

    @comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
    def _skip_search_tables(autogen_context, upgrade_ops, schemas):
        upgrade_ops.ops[:] = [
            op for op in upgrade_ops.ops
            if not (isinstance(op, (ops.DropTableOp, ops.ModifyTableOps)) and op.table_name in SEARCH_TABLES)
        ]
        return PriorityDispatchResult.CONTINUE

    _ignored = True
