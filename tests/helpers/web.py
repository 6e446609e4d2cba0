"""The test app and its client: a CSRF-carrying client, the app on the suite's database, htmx headers."""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from sqlalchemy import delete, select, text, update

from portal import create_app
from portal.extensions import db
from portal.models import Family, Module, Programme, RmvRate
from portal.reference.seed import seed_reference
from portal.reference.taxonomy_data import RMV_RATES

REFERENCE_TABLES = {"families", "programmes", "modules", "rmv_rates", "alembic_version"}

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


class CsrfClient(FlaskClient):
    """A test client whose POSTs carry a valid CSRF token unless told `csrf=False`."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = hashlib.sha1(os.urandom(64)).hexdigest()
                session["csrf_token"] = raw
        # Flask-WTF signs the session's raw token with this salt for the form field.
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, **kwargs):
        # Each request gets its own app context, as in production: a fresh
        # database session and `g`, so nothing leaks between requests or clients.
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = kwargs.get("data")
            if data is None:
                kwargs["data"] = data = {}
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        return super().post(*args, **kwargs)


def restore_rmv() -> None:
    """Put the RMV table back as seeded when a test added, corrected or withdrew a rate."""
    seeded = {(day, amount) for day, amount in RMV_RATES}
    rows = db.session.execute(select(RmvRate.effective_from, RmvRate.amount)).all()
    if {(d.isoformat(), f"{a:.2f}") for d, a in rows} != seeded or len(rows) != len(seeded):
        db.session.execute(delete(RmvRate))
        seed_reference()


# The catalogue's columns an admin may change (portal/reference/catalogue.py, merging.py).
CATALOGUE_COLUMNS = {
    Family: ("name", "position", "retired_at"),
    Programme: ("name", "level", "family_id", "retired_at", "merged_into_id"),
    Module: ("name", "position", "programme_id", "retired_at", "merged_into_id"),
}
_SEEDED_CATALOGUE: dict | None = None


def catalogue_state() -> dict:
    return {model: {row[0]: tuple(row[1:]) for row in db.session.execute(
        select(model.id, *[getattr(model, c) for c in columns]))} for model, columns in CATALOGUE_COLUMNS.items()}


def remember_seeded_catalogue() -> None:
    """Called once the suite's database is seeded: what `empty_tables` puts back."""
    global _SEEDED_CATALOGUE
    _SEEDED_CATALOGUE = catalogue_state()
    db.session.rollback()


def restore_catalogue(saved: dict) -> None:
    """Put families, programmes and modules back as `saved` (rows that point to them gone first)."""
    if catalogue_state() == saved:
        return
    for model in (Module, Programme):
        db.session.execute(update(model).values(merged_into_id=None))
    for model in (Module, Programme, Family):
        db.session.execute(delete(model).where(model.id.not_in(list(saved[model]) or [0])))
    for model, rows in saved.items():
        for id_, values in rows.items():
            db.session.execute(update(model).where(model.id == id_)
                               .values(dict(zip(CATALOGUE_COLUMNS[model], values, strict=True))))


def _empty_what_was_used(connection, tables) -> None:
    """PostgreSQL: empty the tables that hold rows and restart the sequences that were read.

    TRUNCATE makes new files for a table and each of its indexes (and CASCADE reaches every
    table that points to it): emptying all of the portal's tables took 100 ms after every test,
    which writes a few rows to a few of them. One query finds the tables with rows and the
    sequences a test drew from (`last_value` is null until a sequence is first read); DELETE
    empties those, and ids start at 1 again in each test, as after a whole TRUNCATE."""
    found = " UNION ALL ".join(
        [f"SELECT 't', '{t.name}' WHERE EXISTS (SELECT FROM {t.name})" for t in tables]
        + ["SELECT 's', sequencename FROM pg_sequences WHERE schemaname = current_schema() "
           "AND last_value IS NOT NULL"])
    used = connection.execute(text(found)).all()
    with_rows = {name for kind, name in used if kind == "t"}
    for table in tables:  # those that point to a table before it
        if table.name in with_rows:
            connection.execute(table.delete())
    owned = {f"{table.name}_id_seq" for table in tables}  # not the reference tables'
    for name in (name for kind, name in used if kind == "s" and name in owned):
        connection.execute(text(f"ALTER SEQUENCE {name} RESTART"))


def empty_tables() -> None:
    """Delete every row but the reference data (taxonomy and RMV as seeded, schema version):
    a test (or the fuzz test) that edited the catalogue leaves it as seeded for the next."""
    restore_rmv()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    connection = db.session.connection()  # not the session: its listeners would log the deletes
    if db.engine.dialect.name == "postgresql":
        _empty_what_was_used(connection, tables)
    else:
        for table in tables:
            connection.execute(table.delete())
    if _SEEDED_CATALOGUE is not None:
        restore_catalogue(_SEEDED_CATALOGUE)
    db.session.commit()


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for the whole run: each test builds its own app, whose
    new Jinja environment would parse and compile every template it renders again (12 ms a
    template, a fifth of a typical test's time by cProfile, 2026-12-05). Jinja keys each entry
    by the template's name and checks it against a hash of the template's source."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@contextmanager
def serving(database_url: str, upload_path, **config) -> Iterator[Flask]:
    """A test app on the suite's database, in its app context; its rows are emptied after.

    `config` overrides the test settings (the trust world turns rate limits off).
    """
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
            # Flask-Limiter keeps the switch of the last app it was attached to: say it here,
            # or a test after one that turned limits off would run without them.
            "RATELIMIT_ENABLED": True,
            "BASE_URL": "http://localhost",
            "UPLOAD_PATH": str(upload_path),
            "MAIL_SERVER": "",
            "MAIL_BACKEND": "console",
            **config,
        }
    )
    app.test_client_class = CsrfClient
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    with app.app_context():
        yield app
        db.session.remove()
        empty_tables()
        db.session.remove()
        db.engine.dispose()


def csrf_from(html: str) -> str | None:
    """The CSRF token a page's form carries."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else None
