"""Behind nginx or a load balancer (TRUSTED_PROXIES): limits count per real client address,
and a client cannot pick its own address with a forged X-Forwarded-For."""
from __future__ import annotations

import pytest

from portal import config
from tests.helpers.web import serving

BALANCER = "10.0.0.2"  # every request reaches the app from the balancer's address
SIGN_UPS_PER_HOUR = 20  # per address, on /registro/estudiante


@pytest.fixture
def behind(database_url, tmp_path):
    """An app that trusts `hops` proxies in front of it."""
    def make(hops: int):
        return serving(database_url, tmp_path / "uploads", TRUSTED_PROXIES=hops)
    return make


def sign_up(client, forwarded_for: str) -> int:
    """An empty sign-up form (422, still counted by the limit) sent through the balancer."""
    return client.post("/registro/estudiante", data={}, headers={"X-Forwarded-For": forwarded_for},
                       environ_base={"REMOTE_ADDR": BALANCER}).status_code


def test_behind_a_proxy_each_client_has_its_own_limit(behind):
    with behind(1) as app:
        client = app.test_client()
        answers = [sign_up(client, f"198.51.100.{n}") for n in range(SIGN_UPS_PER_HOUR + 5)]
    assert 429 not in answers  # 25 people behind one balancer: nobody blocked


def test_a_forged_forwarded_for_does_not_escape_the_limit(behind):
    # The client writes its own X-Forwarded-For; nginx appends the address it saw.
    with behind(1) as app:
        client = app.test_client()
        answers = [sign_up(client, f"203.0.113.{n}, 198.51.100.7") for n in range(SIGN_UPS_PER_HOUR + 1)]
    assert answers[:SIGN_UPS_PER_HOUR] == [422] * SIGN_UPS_PER_HOUR
    assert answers[-1] == 429


def test_without_trusted_proxies_the_header_is_ignored(behind):
    # Exposed directly (the default): a header cannot buy a fresh address per request.
    with behind(0) as app:
        client = app.test_client()
        answers = [sign_up(client, f"198.51.100.{n}") for n in range(SIGN_UPS_PER_HOUR + 1)]
    assert answers[-1] == 429


@pytest.mark.parametrize("value", ["dos", "-1", "9", "１"])
def test_a_nonsense_number_of_proxies_refuses_to_start(monkeypatch, value):
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    with pytest.raises(config.ConfigurationError, match="TRUSTED_PROXIES"):
        config.from_env()
