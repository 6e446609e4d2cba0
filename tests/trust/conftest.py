"""A module-scoped app and two-tenant world: built once per test module, emptied after it."""
from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import CsrfClient, _empty_tables
from tests.trust.world import build_world

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


@pytest.fixture(scope="module")
def trust_app(database_url, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://localhost",
            "UPLOAD_PATH": str(tmp_path_factory.mktemp("uploads")),
            "MAIL_SERVER": "",
        }
    )
    app.test_client_class = CsrfClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(trust_app):
    return build_world()


def signed_in(app, user) -> CsrfClient:
    """A fresh client, signed in as `user` (or anonymous when None)."""
    client = app.test_client()
    if user is not None:
        response = client.post("/ingresar", data={"email": user.email, "password": "enlace-demo"})
        assert response.status_code in (302, 303), (user.email, response.status_code)
    return client
