"""GET /api/v1/openings: public, the same openings and filters as /ofertas, cursor pages,
ETag and If-None-Match, problem details for bad input."""
from __future__ import annotations

from datetime import timedelta

from werkzeug.datastructures import MultiDict

from portal import clock
from portal.openings import queries
from tests import factories
from tests.helpers.api import bearer


def _ids(client, url: str) -> tuple[list[int], dict]:
    body = client.get(url).get_json()
    return [item["id"] for item in body["items"]], body


def test_public_and_paged_with_a_cursor_through_every_opening(client):
    company = factories.company()
    made = [factories.opening(company, title=f"Electricista {n}",
                              published_at=clock.utcnow() - timedelta(minutes=n)) for n in range(45)]
    seen, url, pages = [], "/api/v1/openings", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert "Set-Cookie" not in response.headers
        body = response.get_json()
        assert body["total"] == 45
        seen += [item["id"] for item in body["items"]]
        pages += 1
        url = f"/api/v1/openings?cursor={body['next_cursor']}" if body["next_cursor"] else None
    assert pages == 3
    assert seen == [o.id for o in made]  # newest first, each once
    first = client.get("/api/v1/openings").get_json()["items"][0]
    assert first["title"] == "Electricista 0" and first["company"]["name"] == company.display_name
    assert first["pay_monthly"] == 1500.0 and first["department"] == "Arequipa"
    assert first["url"] == f"http://localhost/ofertas/{made[0].id}"


def test_the_same_filters_as_the_listing(client):
    company = factories.company()
    factories.opening(company, title="Electricista industrial", kind="empleo")
    factories.opening(company, title="Practicante de cocina", kind="practicas_preprofesionales",
                      department_code="15", province_code="1501")
    factories.opening(company, title="Electricista en Lima", department_code="15", province_code="1501")
    for query in ("q=electricista", "departamento=15", "departamento=15&q=electricista",
                  "tipo=practicas_preprofesionales", "orden=sueldo", "tipo=desconocido", "provincia=1501"):
        args = MultiDict([pair.split("=") for pair in query.split("&")])
        expected = [card.id for card in queries.search_openings(queries.Filters.from_args(args)).items]
        assert _ids(client, f"/api/v1/openings?{query}")[0] == expected, query
    assert len(_ids(client, "/api/v1/openings?q=electricista")[0]) == 2


def test_etag_answers_304_until_the_openings_change(client):
    company = factories.company()
    factories.opening(company)
    first = client.get("/api/v1/openings?q=electricista")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/openings?q=electricista", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other_search = client.get("/api/v1/openings?q=cocina", headers={"If-None-Match": etag})
    assert other_search.status_code == 200
    factories.opening(company, title="Electricista de obra")
    changed = client.get("/api/v1/openings?q=electricista", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert len(changed.get_json()["items"]) == 2


def test_bad_input_is_a_spanish_problem(client):
    response = client.get("/api/v1/openings?cursor=no-es-un-cursor")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and problem["errors"] == [{"field": "cursor", "reason": "El formato no es válido."}]
    long = client.get("/api/v1/openings?q=" + "a" * 201).get_json()
    assert long["errors"] == [{"field": "q", "reason": "Puede tener hasta 200 caracteres."}]
    missing = client.get("/api/v1/nada")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert "no existe" in missing.get_json()["detail"]
    wrong = client.post("/api/v1/openings")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"


def test_a_token_sent_must_be_good_and_carry_the_scope(client, world, make_token):
    factories.opening()
    assert client.get("/api/v1/openings", headers=bearer("ecp_nope")).status_code == 401
    assert client.get("/api/v1/openings", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/openings", headers=bearer(make_token("x", "roster:read"))).status_code == 403
    assert client.get("/api/v1/openings", headers=bearer(make_token("x", "openings:read"))).status_code == 200


def test_calls_over_the_limit_get_429_per_token(app, client, world, make_token):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    mine, theirs = make_token("x", "openings:read"), make_token("y", "openings:read")
    statuses = [client.get("/api/v1/openings", headers=bearer(mine)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/openings", headers=bearer(mine))
    assert limited.mimetype == "application/problem+json" and "Retry-After" in limited.headers
    assert client.get("/api/v1/openings", headers=bearer(theirs)).status_code == 200  # its own bucket


def test_the_spec_and_its_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    operation = spec["paths"]["/api/v1/openings"]["get"]
    assert "application/problem+json" in operation["responses"]["422"]["content"]
    assert spec["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["token"]["description"]}
    # Schemas by their class names (one class per name in portal/api/).
    assert {"StudentIn", "SyncIn", "SyncOut", "RowOut", "Problem", "FieldError", "OpeningsPage"} <= set(
        spec["components"]["schemas"])
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "GET /api/v1/openings" in html and "<script>" not in html and "cdn" not in html.lower()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
