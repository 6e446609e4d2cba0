"""Two CETPROs, each with a coordinator and students, and a helper that makes API tokens."""
from __future__ import annotations

import pytest

from portal.apitokens import services
from portal.models import User
from tests import factories
from tests.helpers.live import served


@pytest.fixture
def world(app):
    cetpro_x = factories.cetpro("CETPRO Equis")
    cetpro_y = factories.cetpro("CETPRO Ye", department="15", province="1501")
    return {"x": cetpro_x, "y": cetpro_y,
            "coordinator_x": factories.coordinator(cetpro_x), "coordinator_y": factories.coordinator(cetpro_y),
            "admin": factories.admin()}


@pytest.fixture
def make_token(world):
    """make_token("x", "roster:read", ...) → the secret of a new token of that CETPRO."""

    def make(side: str = "x", *scopes: str, days: int = 90) -> str:
        actor: User = world[f"coordinator_{side}"]
        _, secret = services.create(world[side], actor, services.TokenData(
            name=f"SIGA {side}", scopes=list(scopes or ("roster:read",)), days=days))
        return secret

    return make



@pytest.fixture
def live_server(app):
    """The test app over real HTTP on 127.0.0.1 (a background thread); yields its base URL."""
    with served(app, name="api-live-server") as base_url:
        yield base_url
