"""An unconfirmed sign-up is nobody's work yet: every list and every action of a coordinator on
students goes through one query (portal.access.students_of) that leaves it out, so acting on one
by id answers 404 — as for a row that does not exist — and nobody is told or emailed anything."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, Nomination, Notification, OutboxEmail, Placement, StudentProfile
from tests import factories
from tests.helpers.web import HTMX


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def writes() -> tuple[int, ...]:
    return (count(Nomination), count(Notification), count(OutboxEmail), count(Placement), count(AuditEvent),
            count(StudentProfile, StudentProfile.verification_state != "pending"))


@pytest.fixture
def scene(world):
    """One confirmed pending student and one unconfirmed sign-up (same CETPRO, same programme,
    a name each page would show), and a published opening they both fit."""
    cetpro = world["cetpro"]
    confirmed = factories.student(cetpro, verified=False, modules=2)
    confirmed.first_names, confirmed.last_names = "Rosa", "Confirmada"
    unconfirmed = factories.student(cetpro, verified=False, modules=2)
    unconfirmed.first_names, unconfirmed.last_names = "Iris", "Sinconfirmar"
    unconfirmed.email_confirmed_at = None
    db.session.commit()
    opening = factories.opening(factories.company(), title="Electricista")
    return {**world, "confirmed": confirmed, "unconfirmed": unconfirmed, "opening": opening}


@pytest.fixture
def signed_in(client, auth, scene):
    auth.login(scene["coordinator"])
    return client


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("action,data", [("verificar", {}), ("rechazar", {"reason": "No figura en actas"})])
def test_deciding_on_an_unconfirmed_sign_up_answers_404_and_changes_nothing(signed_in, scene, action, data, headers):
    before = writes()
    response = signed_in.post(f"/coordinador/estudiantes/{scene['unconfirmed'].student.id}/{action}",
                              data=dict(data), headers=headers)
    assert response.status_code == 404
    assert writes() == before
    assert scene["unconfirmed"].student.verification_state == "pending"


def test_deciding_on_a_confirmed_student_still_works(signed_in, scene):
    response = signed_in.post(f"/coordinador/estudiantes/{scene['confirmed'].student.id}/verificar", headers=HTMX)
    assert response.status_code == 200 and "Verificaste a Rosa Confirmada" in response.headers["HX-Trigger"]


def test_bulk_verification_skips_unconfirmed_sign_ups(signed_in, scene):
    ids = [scene["confirmed"].student.id, scene["unconfirmed"].student.id]
    response = signed_in.post("/coordinador/estudiantes/verificacion",
                              data={"action": "verificar", "student_ids": [str(i) for i in ids]})
    assert response.status_code == 303
    db.session.expire_all()
    assert scene["confirmed"].student.verification_state == "verified"
    assert scene["unconfirmed"].student.verification_state == "pending"
    assert count(OutboxEmail, OutboxEmail.to_address == scene["unconfirmed"].email) == 0
    page = signed_in.get("/coordinador/estudiantes").get_data(as_text=True)
    assert "Verificaste a 1 estudiante." in page  # not "2", and not "1 ya lo estaba"


def test_nominating_an_unconfirmed_sign_up_answers_404_and_emails_nobody(signed_in, scene):
    before = writes()
    response = signed_in.post(
        f"/coordinador/ofertas/{scene['opening'].id}/candidatos/{scene['unconfirmed'].student.id}/nominar",
        data={"note": "Muy puntual"}, headers=HTMX)
    assert response.status_code == 404
    assert writes() == before


def test_lists_of_students_leave_unconfirmed_sign_ups_out(signed_in, scene):
    pages = {
        "roster": signed_in.get("/coordinador/estudiantes").get_data(as_text=True),
        "pending tab": signed_in.get("/coordinador/estudiantes?verificacion=pendiente").get_data(as_text=True),
        "candidates": signed_in.get(f"/coordinador/ofertas/{scene['opening'].id}/candidatos").get_data(as_text=True),
        "placement select": signed_in.get("/coordinador/colocaciones/estudiantes", headers=HTMX).get_data(as_text=True),
        "dashboard": signed_in.get("/coordinador").get_data(as_text=True),
    }
    for name, html in pages.items():
        assert "Sinconfirmar" not in html, name
    for name in ("roster", "candidates", "placement select"):
        assert "Confirmada" in pages[name], name
    export = signed_in.get("/coordinador/estudiantes/exportar.csv").get_data(as_text=True)
    assert "Confirmada" in export and "Sinconfirmar" not in export


def test_a_placement_for_an_unconfirmed_sign_up_is_refused(signed_in, scene):
    data = {"student_id": str(scene["unconfirmed"].student.id), "employer_name": "Ferretería El Misti",
            "employer_ruc": "", "job_title": "Soldador", "kind": "empleo",
            "start_date": (clock.today() - timedelta(days=10)).isoformat(), "pay_min": "", "pay_max": "",
            "department_code": "04"}
    response = signed_in.post("/coordinador/colocaciones", data=data, headers=HTMX)
    assert response.status_code == 422
    assert "Elige a la persona de la lista de estudiantes de tu CETPRO." in response.get_data(as_text=True)
    assert count(Placement) == 0


def test_once_the_email_is_confirmed_the_student_is_there(signed_in, scene):
    scene["unconfirmed"].email_confirmed_at = clock.utcnow()
    db.session.commit()
    response = signed_in.post(f"/coordinador/estudiantes/{scene['unconfirmed'].student.id}/verificar")
    assert response.status_code == 303
    assert "Sinconfirmar" in signed_in.get("/coordinador/estudiantes").get_data(as_text=True)
