"""Schemathesis against the live spec: the app's own /api/v1/openapi.json, loaded through
WSGI, and property-based calls to every operation it declares. Each call must not be a
5xx, its status must be declared, its body must match the declared schema (and content
type); an operation that declares a token is refused (401) without one. A bounded number of
examples per operation keeps the whole run near half a minute."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from portal.apitokens import services
from portal.extensions import db
from tests import factories

EXAMPLES = 25


@pytest.fixture
def api_schema(app):
    # Many calls per second from one token: the limit is tested in test_openings.py.
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def api_token(app) -> str:
    cetpro = factories.cetpro("CETPRO Schemathesis")
    coordinator = factories.coordinator(cetpro)
    factories.student(cetpro)
    factories.opening()
    _, secret = services.create(cetpro, coordinator, services.TokenData(
        name="Schemathesis", scopes=["roster:read", "roster:write", "placements:read", "openings:read"], days=30))
    db.session.remove()
    return secret


def _needs_token(operation) -> bool:
    security = operation.definition.raw.get("security", [])
    return bool(security) and {} not in security


def _exercise(operation, api_token: str, calls: dict[str, int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def call(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"})
        calls[operation.label] = calls.get(operation.label, 0) + 1
        if _needs_token(operation):
            anonymous = case.call(headers={"Authorization": ""})
            assert anonymous.status_code == 401, f"{operation.label}: {anonymous.status_code} without a token"
            case.validate_response(anonymous)

    call()


def test_every_operation_keeps_its_contract(api_schema, api_token):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} == {"GET /api/v1/openings", "GET /api/v1/students",
                                               "GET /api/v1/placements", "POST /api/v1/students"}
    calls: dict[str, int] = {}
    for operation in operations:
        _exercise(operation, api_token, calls)
    print("\nSCHEMATHESIS calls per operation:", calls)
    assert all(count >= 5 for count in calls.values()) and len(calls) == len(operations)
