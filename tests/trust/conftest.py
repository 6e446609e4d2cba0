"""A module-scoped app and two-tenant world: built once per test module, emptied after it.
(What the tests look at, signed-in clients and snapshots: `tests.helpers.trust`.)"""
from __future__ import annotations

import pytest

from tests.helpers.web import serving
from tests.trust.world import build_world


@pytest.fixture(scope="module")
def trust_app(database_url, tmp_path_factory):
    # MAIL_BACKEND=smtp as in production (nothing is sent here): development's /dev/correo,
    # a mailbox of everyone's email, then answers 404 like every page that does not exist.
    with serving(database_url, tmp_path_factory.mktemp("uploads"), RATELIMIT_ENABLED=False,
                 MAIL_BACKEND="smtp") as app:
        yield app


@pytest.fixture(scope="module")
def world(trust_app):
    return build_world()
