"""Fixtures: an app on a migrated database (SQLite file, or PostgreSQL when
DATABASE_URL is set), a client that carries a CSRF token, and an auth helper.
The client and the app builder themselves are in `tests.helpers.web`."""
from __future__ import annotations

import os
from datetime import datetime

import pytest
from sqlalchemy import text

from portal import clock, create_app
from portal.extensions import db
from tests import factories
from tests.helpers.routing import share_url_builders
from tests.helpers.web import HTMX, CsrfClient, remember_seeded_catalogue, serving

share_url_builders()

# The files that take longest are handed out first. `make test` gives whole files to its
# workers in collection order (pytest-xdist, --dist loadfile), so a long file collected near
# the end kept one worker busy while the other had nothing left: tests/trust/test_fuzz.py
# alone is 6 of a 28-minute run on a 2-core machine (2026-12-05). Slowest first, by that run.
SLOWEST_FILES = ("tests/trust/test_fuzz.py", "tests/browser/test_accessibility.py",
                 "tests/matching/test_recommendations_index.py", "tests/browser/test_accessibility_busy.py",
                 "tests/matching/test_ranking_counts.py", "tests/browser/test_accessibility_users_audit.py")


def pytest_collection_modifyitems(items):
    first = {path: rank for rank, path in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: first.get(item.nodeid.partition("::")[0], len(first)))  # stable: the rest in order


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
        remember_seeded_catalogue()
        db.session.remove()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url, tmp_path):
    with serving(database_url, tmp_path / "uploads") as app:
        yield app


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


@pytest.fixture
def htmx_headers() -> dict[str, str]:
    """Headers htmx 4 sends for a partial (targeted) request."""
    return dict(HTMX)


@pytest.fixture
def frozen_clock(monkeypatch):
    """Stop the portal's clock at an instant: `frozen_clock(datetime(2026, 3, 1, 20, 0))`.

    The only way tests set the time. A naive instant is Lima time. It replaces the clock's
    source for the whole process (the browser tests' live server thread too), so `now()`,
    `today()` and `utcnow()` agree; call it again to move the clock; undone after the test.
    """

    def freeze(at: datetime) -> datetime:
        at = at if at.tzinfo else at.replace(tzinfo=clock.LIMA)
        monkeypatch.setattr(clock, "_source", lambda: at)
        return at

    return freeze
