"""opening text search: FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 0002
Revises: 0001

Openings are searched over their title, description, company (razón social and
nombre comercial), family and accepted programme names, accent- and
case-insensitively and by prefix ("electri" finds "Electricista").

The index is kept in sync by triggers, not by the write paths: openings are
written by the employer form, the seeds and bulk Core inserts, and the company
name and the taxonomy are edited elsewhere; a trigger cannot be forgotten.

SQLite: `openings_fts`, an FTS5 table keyed by the opening id (rowid), with the
unicode61 tokenizer folding case and accents. It keeps its own copy of the text
rather than pointing at an external content table: the text comes from five
tables, and an external-content index must be told the exact *old* values on
every change or it silently corrupts; this copy (8 MB at 20,000 openings, next
to 9 MB of index) can never drift.

PostgreSQL: `opening_search(opening_id, document tsvector)` with a GIN index;
`document` (stripped of positions: no phrase search or ranking needs them, and
the rows are a third the size, which makes the GIN scan's rechecks cheap) is
built with the `simple` configuration from text folded by
`enlace_search_fold()` (lower case, `unaccent` when the extension can be
created, a `translate()` fallback otherwise, and every non-alphanumeric run
turned into a space, so words split as SQLite's tokenizer splits them).

These objects are not in the SQLAlchemy metadata; `portal.openings.search`
tells Alembic's autogenerate to leave them alone.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


# --- SQLite ---------------------------------------------------------------------------

# The row that goes into the index for the openings selected by {where}.
SQLITE_SOURCE = """
    SELECT o.id, o.title, o.description,
           c.legal_name || ' ' || coalesce(c.trade_name, ''),
           f.name || ' ' || coalesce((SELECT group_concat(p.name, ' ')
                                        FROM opening_programmes op
                                        JOIN programmes p ON p.id = op.programme_id
                                       WHERE op.opening_id = o.id), '')
      FROM openings o
      JOIN companies c ON c.id = o.company_id
      JOIN families f ON f.id = o.family_id
     WHERE {where}
"""


def _sqlite_reindex(ids: str, where: str) -> str:
    """Statements that replace the index rows of the openings `ids` (a subquery or value)."""
    return (
        f"DELETE FROM openings_fts WHERE rowid IN ({ids});\n"
        f"INSERT INTO openings_fts (rowid, title, description, company, programmes)"
        f"{SQLITE_SOURCE.format(where=where)};"
    )


SQLITE_TRIGGERS = {
    "openings_fts_insert": f"""
        AFTER INSERT ON openings BEGIN
          INSERT INTO openings_fts (rowid, title, description, company, programmes)
          {SQLITE_SOURCE.format(where="o.id = new.id")};
        END""",
    "openings_fts_update": f"""
        AFTER UPDATE OF title, description, company_id, family_id ON openings
        WHEN old.title IS NOT new.title OR old.description IS NOT new.description
          OR old.company_id IS NOT new.company_id OR old.family_id IS NOT new.family_id
        BEGIN
          {_sqlite_reindex("old.id, new.id", "o.id = new.id")}
        END""",
    "openings_fts_delete": """
        AFTER DELETE ON openings BEGIN
          DELETE FROM openings_fts WHERE rowid = old.id;
        END""",
    "opening_programmes_fts_insert": f"""
        AFTER INSERT ON opening_programmes BEGIN
          {_sqlite_reindex("new.opening_id", "o.id = new.opening_id")}
        END""",
    "opening_programmes_fts_update": f"""
        AFTER UPDATE ON opening_programmes BEGIN
          {_sqlite_reindex("old.opening_id, new.opening_id", "o.id IN (old.opening_id, new.opening_id)")}
        END""",
    "opening_programmes_fts_delete": f"""
        AFTER DELETE ON opening_programmes BEGIN
          {_sqlite_reindex("old.opening_id", "o.id = old.opening_id")}
        END""",
    "companies_fts_update": f"""
        AFTER UPDATE OF legal_name, trade_name ON companies
        WHEN old.legal_name IS NOT new.legal_name OR old.trade_name IS NOT new.trade_name
        BEGIN
          {_sqlite_reindex("SELECT id FROM openings WHERE company_id = new.id", "o.company_id = new.id")}
        END""",
    "programmes_fts_update": f"""
        AFTER UPDATE OF name ON programmes WHEN old.name IS NOT new.name BEGIN
          {_sqlite_reindex("SELECT opening_id FROM opening_programmes WHERE programme_id = new.id",
                           "o.id IN (SELECT opening_id FROM opening_programmes WHERE programme_id = new.id)")}
        END""",
    "families_fts_update": f"""
        AFTER UPDATE OF name ON families WHEN old.name IS NOT new.name BEGIN
          {_sqlite_reindex("SELECT id FROM openings WHERE family_id = new.id", "o.family_id = new.id")}
        END""",
}


def _upgrade_sqlite() -> None:
    # prefix='2 3': extra index entries that make 2- and 3-letter prefix queries
    # (the first keystrokes of a live search) a lookup instead of a term scan.
    op.execute(
        "CREATE VIRTUAL TABLE openings_fts USING fts5("
        "title, description, company, programmes, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    op.execute(
        "INSERT INTO openings_fts (rowid, title, description, company, programmes)"
        + SQLITE_SOURCE.format(where="1 = 1")
    )
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def _downgrade_sqlite() -> None:
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS openings_fts")


# --- PostgreSQL -----------------------------------------------------------------------

PG_FOLD_UNACCENT = "regexp_replace(unaccent(lower($1)), '[^a-z0-9]+', ' ', 'g')"
PG_FOLD_TRANSLATE = (
    "regexp_replace(translate(lower($1), 'áàâäãåéèêëíìîïóòôöõúùûüñçý', "
    "'aaaaaaeeeeiiiiooooouuuuncy'), '[^a-z0-9]+', ' ', 'g')"
)

PG_REFRESH = """
CREATE FUNCTION enlace_refresh_opening_search(ids integer[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO opening_search (opening_id, document)
  SELECT o.id,
         strip(to_tsvector('simple', enlace_search_fold(concat_ws(' ',
           o.title, o.description, c.legal_name, c.trade_name, f.name,
           (SELECT string_agg(p.name, ' ')
              FROM opening_programmes op JOIN programmes p ON p.id = op.programme_id
             WHERE op.opening_id = o.id)))))
    FROM openings o
    JOIN companies c ON c.id = o.company_id
    JOIN families f ON f.id = o.family_id
   WHERE o.id = ANY(ids)
  ON CONFLICT (opening_id) DO UPDATE SET document = EXCLUDED.document
$$
"""

# trigger function → (table, timing/events, WHEN condition or "", ids expression)
PG_TRIGGERS = {
    "enlace_search_openings": (
        "openings", "AFTER INSERT OR UPDATE OF title, description, company_id, family_id", "",
        "ARRAY[NEW.id]",
    ),
    "enlace_search_opening_programmes": (
        "opening_programmes", "AFTER INSERT OR UPDATE OR DELETE", "",
        "CASE TG_OP WHEN 'DELETE' THEN ARRAY[OLD.opening_id]"
        " WHEN 'INSERT' THEN ARRAY[NEW.opening_id] ELSE ARRAY[OLD.opening_id, NEW.opening_id] END",
    ),
    "enlace_search_companies": (
        "companies", "AFTER UPDATE OF legal_name, trade_name",
        "OLD.legal_name IS DISTINCT FROM NEW.legal_name OR OLD.trade_name IS DISTINCT FROM NEW.trade_name",
        "ARRAY(SELECT id FROM openings WHERE company_id = NEW.id)",
    ),
    "enlace_search_programmes": (
        "programmes", "AFTER UPDATE OF name", "OLD.name IS DISTINCT FROM NEW.name",
        "ARRAY(SELECT opening_id FROM opening_programmes WHERE programme_id = NEW.id)",
    ),
    "enlace_search_families": (
        "families", "AFTER UPDATE OF name", "OLD.name IS DISTINCT FROM NEW.name",
        "ARRAY(SELECT id FROM openings WHERE family_id = NEW.id)",
    ),
}


def _has_unaccent() -> bool:
    """Create `unaccent` if this role may; a failure rolls back only its savepoint."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    except sa.exc.DBAPIError:
        return False
    return True


def _upgrade_postgresql() -> None:
    fold = PG_FOLD_UNACCENT if _has_unaccent() else PG_FOLD_TRANSLATE
    op.execute(
        "CREATE TABLE opening_search ("
        " opening_id integer PRIMARY KEY REFERENCES openings (id) ON DELETE CASCADE,"
        " document tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_opening_search_document ON opening_search USING gin (document)")
    op.execute(f"CREATE FUNCTION enlace_search_fold(text) RETURNS text LANGUAGE sql STABLE AS $$ SELECT {fold} $$")
    op.execute(PG_REFRESH)
    for function, (table, events, when, ids) in PG_TRIGGERS.items():
        op.execute(
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM enlace_refresh_opening_search({ids}); RETURN NULL; END $$"
        )
        condition = f" WHEN ({when})" if when else ""
        op.execute(
            f"CREATE TRIGGER {function} {events} ON {table} FOR EACH ROW{condition} "
            f"EXECUTE FUNCTION {function}()"
        )
    op.execute("SELECT enlace_refresh_opening_search(ARRAY(SELECT id FROM openings))")


def _downgrade_postgresql() -> None:
    for function, (table, *_rest) in PG_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute("DROP FUNCTION IF EXISTS enlace_refresh_opening_search(integer[])")
    op.execute("DROP FUNCTION IF EXISTS enlace_search_fold(text)")
    op.execute("DROP TABLE IF EXISTS opening_search")
    # The unaccent extension stays: it may have been there before, and other
    # databases objects may use it; it holds no data of ours.


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgresql()
    else:
        _downgrade_sqlite()
