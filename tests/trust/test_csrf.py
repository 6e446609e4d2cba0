"""CSRF: every state-changing rule refuses a request without a valid token with 400,
as a page and as an htmx fragment, and the database is left exactly as it was."""
from __future__ import annotations

import pytest

from tests.helpers.trust import signed_in, snapshot
from tests.helpers.web import HTMX
from tests.trust.test_access_matrix import ACCESS, _methods, _rules, _url, _user_of, _values

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The only rules without CSRF, and why. RFC 8058's one-click unsubscribe is POSTed by the
# mail provider, with no session and no token: the signed link is the proof, and a forged
# one changes nothing (tests/alerts).
CSRF_EXEMPT = {"alerts.unsubscribe": "portal.alerts.routes.unsubscribe"}
# The API (/api/v1) as a whole: it reads no cookie and sets none (portal.security), so a
# forged cross-site request carries nothing; its token in the Authorization header is the proof.
CSRF_EXEMPT_BLUEPRINTS = {"api"}


def _actors(access) -> list[str]:
    roles = [r for r in ("student", "employer", "coordinator", "admin") if r in access.roles][:1]
    if "anonymous" in access.roles:
        roles.append("anonymous")
    return roles


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_state_changes_need_a_valid_token(trust_app, world, htmx):
    headers = dict(HTMX) if htmx else {}
    foreign = signed_in(trust_app, world.b.employer).csrf_token()  # valid, but another session's
    clients = {role: signed_in(trust_app, _user_of(world, role))
               for role in ("anonymous", "student", "employer", "coordinator", "admin")}
    failures, checked, rules_seen = [], 0, 0
    for rule in _rules(trust_app):
        methods = _methods(rule) & STATE_CHANGING
        if not methods or rule.endpoint in CSRF_EXEMPT or rule.endpoint.split(".")[0] in CSRF_EXEMPT_BLUEPRINTS:
            continue
        rules_seen += 1
        access = ACCESS[rule.endpoint]
        for role in _actors(access):
            client = clients[role]
            url = _url(trust_app, rule, _values(rule, world, "a", _user_of(world, role)))
            before = snapshot()
            for method in sorted(methods):
                attempts = {
                    "no token": ({}, {}),
                    "forged token": ({"csrf_token": "forged"}, {}),
                    "another session's token": ({"csrf_token": foreign}, {}),
                    "forged header": ({}, {"X-CSRFToken": "forged"}),
                }
                for label, (data, extra) in attempts.items():
                    response = client.open(url, method=method, data=data, headers={**headers, **extra})
                    checked += 1
                    if response.status_code != 400:
                        failures.append(f"{role} {method} {url} ({label}): {response.status_code}")
                    elif "Recarga la página" not in response.get_data(as_text=True):
                        failures.append(f"{role} {method} {url} ({label}): 400 without the Spanish message")
            after = snapshot()
            changed = [name for name in before if before[name] != after[name]]
            if changed:
                failures.append(f"{role} {url}: tables changed without a token: {changed}")
    print(f"\nTRUST csrf {'fragment' if htmx else 'page'}: {rules_seen} rules, {checked} requests")
    assert rules_seen >= 40
    assert not failures, "\n".join(failures)


def test_only_the_listed_endpoints_are_exempt_from_csrf(trust_app):
    from portal.extensions import csrf

    assert csrf._exempt_views == set(CSRF_EXEMPT.values())
    assert {blueprint.name for blueprint in csrf._exempt_blueprints} == CSRF_EXEMPT_BLUEPRINTS


def test_the_api_sets_no_cookie_and_ignores_the_session(trust_app, world):
    """A signed-in browser calling the API: its session is not read (the token decides) and
    no Set-Cookie comes back; the HTML app keeps its session and CSRF."""
    client = signed_in(trust_app, world.a.coordinator)
    for url in ("/api/v1/openings", "/api/v1/openapi.json", "/api/v1/docs"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
    refused = client.post("/coordinador/api/tokens", data={"name": "x", "scopes": ["roster:read"], "days": "90"},
                          csrf=False)
    assert refused.status_code == 400
    assert client.get("/coordinador").status_code == 200


def test_still_signed_in_after_a_refused_logout(trust_app, world):
    """A cross-site POST to /salir without a token does not sign anybody out."""
    client = signed_in(trust_app, world.a.students["A1"])
    assert client.post("/salir", csrf=False).status_code == 400
    assert client.get("/estudiante").status_code == 200
