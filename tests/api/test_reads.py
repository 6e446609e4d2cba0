"""GET /api/v1/students (roster:read) and GET /api/v1/placements (placements:read): the
token's CETPRO only, with applications' states and follow-ups, keyset pages."""
from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.extensions import db
from portal.models import FollowUp
from tests import factories
from tests.helpers.api import bearer


def test_students_with_their_applications_states(client, world, make_token):
    ana = factories.named(factories.student(world["x"], document_number="41234567"), "Ana", "Quispe")
    factories.student(world["y"], document_number="49999999")
    opening = factories.opening(title="Soldador")
    factories.application(opening, ana, state="finalist")
    body = client.get("/api/v1/students", headers=bearer(make_token("x", "roster:read"))).get_json()
    assert [s["document_number"] for s in body["items"]] == ["41234567"]
    student = body["items"][0]
    assert student["first_names"] == "Ana" and student["document_type"] == "dni" and len(student["modules"]) == 2
    assert [(a["opening_title"], a["state"], a["state_label"]) for a in student["applications"]] == [
        ("Soldador", "finalist", "Finalista")]
    assert body["next_cursor"] is None


def test_students_come_in_keyset_pages(client, world, make_token):
    made = [factories.student(world["x"]).student.id for _ in range(5)]
    token = bearer(make_token("x", "roster:read"))
    first = client.get("/api/v1/students?limit=2", headers=token).get_json()
    assert [s["id"] for s in first["items"]] == made[:2]
    factories.student(world["x"])  # added meanwhile: at the end, nothing skipped or repeated
    seen, cursor = [s["id"] for s in first["items"]], first["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/students?limit=2&cursor={cursor}", headers=token).get_json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
    assert seen[:5] == made and len(seen) == 6 == len(set(seen))
    bad = client.get("/api/v1/students?limit=500", headers=token)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "limit"
    assert client.get("/api/v1/students?cursor=abc", headers=token).status_code == 422


def test_placements_with_follow_ups(client, world, make_token):
    ana = factories.student(world["x"], document_number="41234567")
    placement = factories.placement(ana, clock.today() - timedelta(days=200), employer="Taller Misti")
    db.session.add(FollowUp(placement_id=placement.id, months=3, due_date=clock.today() - timedelta(days=110),
                            answer="still_there", outcome="empleo_dependiente", answered_at=clock.utcnow()))
    db.session.add(FollowUp(placement_id=placement.id, months=6, due_date=clock.today() - timedelta(days=20)))
    db.session.commit()
    factories.placement(factories.student(world["y"]), clock.today(), employer="Otro taller")
    body = client.get("/api/v1/placements", headers=bearer(make_token("x", "placements:read"))).get_json()
    assert [p["employer_name"] for p in body["items"]] == ["Taller Misti"]
    item = body["items"][0]
    assert item["student"]["document_number"] == "41234567"
    assert [(f["months"], f["answer"]) for f in item["follow_ups"]] == [(3, "still_there"), (6, None)]


def test_each_read_needs_its_scope(client, world, make_token):
    reader = bearer(make_token("x", "roster:read"))
    assert client.get("/api/v1/students").status_code == 401
    assert client.get("/api/v1/placements").status_code == 401
    refused = client.get("/api/v1/placements", headers=reader)
    assert refused.status_code == 403 and "placements:read" in refused.get_json()["detail"]
    assert client.get("/api/v1/students", headers=bearer(make_token("x", "placements:read"))).status_code == 403
