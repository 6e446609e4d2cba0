"""A token of CETPRO X never reads or writes CETPRO Y, for every operation the spec declares:
Y's students' personal data appears in no answer to X's token, and X's writes leave every
row of Y's students as it was."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import StudentProfile, User
from tests import factories
from tests.helpers.api import bearer
from tests.helpers.roster import row

ALL_SCOPES = ("roster:read", "roster:write", "placements:read", "openings:read")


def _theirs(world) -> dict:
    student = factories.named(factories.student(world["y"], document_number="48765432"), "Yolanda", "Yupanqui")
    factories.application(factories.opening(title="Oferta de Ye"), student, state="finalist")
    factories.placement(student, clock.today() - timedelta(days=100), employer="Taller Ye")
    return {"user": student, "words": ["48765432", "Yolanda", "Yupanqui", student.email, "Taller Ye"]}


def _state_of_y(world) -> list:
    return [tuple(r) for r in db.session.execute(
        select(User.id, User.email, User.first_names, User.last_names, User.phone, StudentProfile.cetpro_id,
               StudentProfile.programme_id, StudentProfile.status, StudentProfile.graduation_date)
        .join(StudentProfile, StudentProfile.user_id == User.id)
        .where(StudentProfile.cetpro_id == world["y"].id).order_by(User.id))]


def test_x_never_reads_or_writes_y_through_any_operation(client, world, make_token):
    theirs = _theirs(world)
    mine = factories.student(world["x"], document_number="41111111")
    factories.placement(mine, clock.today() - timedelta(days=30), employer="Taller Equis")
    token = bearer(make_token("x", *ALL_SCOPES))
    before = _state_of_y(world)
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = {f"{method.upper()} {path}" for path, methods in spec["paths"].items() for method in methods}
    calls = {
        "GET /api/v1/openings": lambda: client.get("/api/v1/openings", headers=token),
        "GET /api/v1/students": lambda: client.get("/api/v1/students?limit=200", headers=token),
        "GET /api/v1/placements": lambda: client.get("/api/v1/placements?limit=200", headers=token),
        # Their student's DNI, her email under a new DNI, and her exact row: all refused.
        "POST /api/v1/students": lambda: client.post("/api/v1/students", headers=token, csrf=False, json={
            "students": [
                {**row(1, dni="48765432", first_names="Cambiada"), "modules": []},
                {**row(2, email=theirs["user"].email), "modules": []},
            ]}),
    }
    assert set(calls) == operations, "an operation of the spec has no tenancy check here"
    for label, call in calls.items():
        response = call()
        assert response.status_code == 200, (label, response.get_data(as_text=True)[:300])
        body = response.get_data(as_text=True)
        leaked = [w for w in theirs["words"] if w in body and not (label.startswith("POST") and w == "48765432")]
        assert not leaked, f"{label} shows CETPRO Y's data: {leaked}"
        if label == "POST /api/v1/students":
            results = response.get_json()["results"]
            assert [r["result"] for r in results] == ["refused", "refused"]
            assert all(r["student_id"] is None for r in results)
            # The same words as for any DNI or email in the portal: whose, or where, is not told.
            assert {e["reason"] for r in results for e in r["errors"]} == {
                "Ya registrado(a) en el portal: pide al estudiante que solicite su traslado a tu CETPRO "
                "escribiendo al equipo de Enlace CETPRO."}
        if label == "GET /api/v1/students":
            assert [s["document_number"] for s in response.get_json()["items"]] == ["41111111"]
        if label == "GET /api/v1/placements":
            assert [p["employer_name"] for p in response.get_json()["items"]] == ["Taller Equis"]
    assert _state_of_y(world) == before


def test_y_sees_its_own_and_not_xs(client, world, make_token):
    """The other way round, so the check above is not of an empty CETPRO."""
    theirs = _theirs(world)
    factories.student(world["x"], document_number="41111111")
    token = bearer(make_token("y", *ALL_SCOPES))
    students = client.get("/api/v1/students", headers=token).get_json()["items"]
    assert [s["document_number"] for s in students] == ["48765432"]
    assert students[0]["applications"][0]["opening_title"] == "Oferta de Ye"
    placements = client.get("/api/v1/placements", headers=token).get_json()["items"]
    assert [p["employer_name"] for p in placements] == ["Taller Ye"]
    assert theirs["user"].email in client.get("/api/v1/students", headers=token).get_data(as_text=True)
