"""Fixtures: an app on a migrated database (SQLite file, or PostgreSQL when
DATABASE_URL is set), a client that carries a CSRF token, and an auth helper."""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests import factories

REFERENCE_TABLES = {"families", "programmes", "modules", "rmv_rates", "alembic_version"}


def _test_database_url(tmp_path_factory) -> str:
    """SQLite: a new file under the run's (under pytest-xdist: the worker's) temporary directory.
    PostgreSQL: the database DATABASE_URL names, or under pytest-xdist a database of the worker's own."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        from portal.config import database_url

        return _worker_database(database_url(), os.environ.get("PYTEST_XDIST_WORKER", ""))
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _worker_database(url: str, worker: str) -> str:
    """The database of one pytest-xdist worker (`…/test` → `…/test_gw0`), created if missing through
    a connection to the given one; the given URL itself when the suite runs in one process."""
    if not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ProgrammingError

    given = make_url(url)
    name = f"{given.database}_{worker}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses a transaction
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if found.scalar() is None:
                try:
                    connection.execute(text(f"CREATE DATABASE {connection.dialect.identifier_preparer.quote(name)}"))
                except ProgrammingError as error:  # another run created it meanwhile
                    if getattr(error.orig, "sqlstate", None) != "42P04":  # duplicate_database
                        raise
    finally:
        engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Build the schema once per run with the real Alembic migrations, then load reference data."""
    from flask_migrate import upgrade

    from portal.reference.seed import seed_reference

    url = _test_database_url(tmp_path_factory)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        seed_reference()
        db.session.remove()
        db.engine.dispose()
    return url


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


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database_url, tmp_path):
    with serving(database_url, tmp_path / "uploads") as app:
        yield app


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
            **config,
        }
    )
    app.test_client_class = CsrfClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> CsrfClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client: CsrfClient):
        self.client = client

    def login(self, user_or_email, password: str = factories.PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post("/ingresar", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/salir")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


@pytest.fixture
def htmx_headers() -> dict[str, str]:
    """Headers htmx 4 sends for a partial (targeted) request."""
    return dict(HTMX)


def csrf_from(html: str) -> str | None:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else None
