"""Redis down is degraded, not broken: sign-in keeps working and /salud says why."""
import logging

import pytest

from tests import factories
from tests.helpers.web import serving

# Nothing listens on port 1: every connection is refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def app_without_redis(database_url, tmp_path):
    with serving(database_url, tmp_path / "uploads", RATELIMIT_STORAGE_URI=DEAD_REDIS,
                 LOGIN_LIMIT_PER_ADDRESS="3 per 15 minutes") as app:
        yield app


def test_sign_in_works_and_is_still_limited_when_the_rate_limit_store_is_down(app_without_redis, caplog):
    user = factories.admin()
    client = app_without_redis.test_client()
    with caplog.at_level(logging.WARNING):
        response = client.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 303 and response.location.endswith("/panel")
    assert "the rate-limit store is unavailable" in caplog.text and "Traceback" not in caplog.text
    # The limits still count, in this process's memory: past three failures from one
    # address the next attempt is refused, as with Redis.
    other = app_without_redis.test_client()
    answers = [other.post("/ingresar", data={"email": f"nadie{n}@example.pe", "password": "mala-clave-123"}).status_code
               for n in range(4)]
    assert answers == [422, 422, 422, 429]


def test_health_says_degraded_with_the_reason_when_the_rate_limit_store_is_down(app_without_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.health"):
        response = app_without_redis.test_client().get("/salud")
    assert response.status_code == 200  # the balancer keeps sending traffic here
    assert response.json == {"status": "degraded", "database": "ok", "rate_limits": "unreachable", "jobs": "ok"}
    assert "health degraded: rate_limits unreachable" in caplog.text
