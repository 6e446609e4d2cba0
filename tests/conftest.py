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
from tests.helpers.web import HTMX, CsrfClient, serving


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        from portal.config import database_url

        return database_url()
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


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
