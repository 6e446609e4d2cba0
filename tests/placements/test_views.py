"""/coordinador/colocaciones page and fragments, in-place answers, the evidence PDF and the one-tap page."""
from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.applications import services as applications
from portal.coordinators import queries as coordinators
from portal.extensions import db
from portal.models import FollowUp, OutboxEmail, Placement
from portal.placements import rules, services
from tests import factories
from tests.helpers.files import minimal_pdf

URL = "/coordinador/colocaciones"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def form(world, **changes) -> dict:
    values = {"student_id": str(world["student"].student.id), "employer_name": "Ferretería El Misti",
              "employer_ruc": "", "job_title": "Soldador", "kind": "empleo",
              "start_date": (clock.today() - timedelta(days=10)).isoformat(), "pay_min": "1200", "pay_max": "1500",
              "department_code": "04"}
    values.update(changes)
    return values


# --- The list -----------------------------------------------------------------------------------


def test_page_and_fragment(client, auth, world, htmx_headers):
    factories.placement(world["student"], clock.today() - timedelta(days=100), job_title="Electricista de obra")
    factories.placement(world["other_student"], clock.today() - timedelta(days=100), job_title="Cocinero de línea")
    auth.login(world["coordinator"])
    page = client.get(URL)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Colocaciones</h1>" in text
    assert "Electricista de obra" in text and "Rosa Quispe Mamani" in text
    assert "Cocinero de línea" not in text  # another CETPRO's
    assert 'id="placement-form"' in text and "Registrar una colocación" in text
    assert page.headers["Vary"].count("HX-Request") >= 1
    fragment = client.get(URL, headers=htmx_headers)
    assert fragment.data.lstrip().startswith(b'<section id="placement-list"')
    assert b"<html" not in fragment.data and b"Electricista de obra" in fragment.data


def test_the_ruc_hint_promises_only_what_is_checked(client, auth, world):
    """Only the RUC's check digit is verified (portal.identifiers.clean_ruc): no SUNAT lookup."""
    auth.login(world["coordinator"])
    text = client.get(URL).get_data(as_text=True)
    assert "revisamos con SUNAT" not in text
    assert "Comprobamos su dígito verificador (no consultamos SUNAT)" in text


def test_a_company_is_named_the_same_way_in_every_placement(client, auth, world):
    """One hired through the portal, one recorded with the razón social copied (as the demo
    seed did): both show the nombre comercial, and the follow-up question uses it too."""
    company = factories.company(legal_name="Instalaciones Eléctricas del Sur S.A.C.", trade_name="Elecsur")
    opening = factories.opening(company, title="Técnico electricista")
    application = factories.application(opening, world["student"], "finalist")
    services.move(factories.employer(company), application,
                  applications.Move("hired", start_date=clock.today() - timedelta(days=100)))
    other = factories.named(factories.student(world["cetpro"]), "Ana", "Torres")
    copied = factories.placement(other, clock.today() - timedelta(days=100), company=company,
                                 employer="Instalaciones Eléctricas del Sur S.A.C.", job_title="Ayudante")
    auth.login(world["coordinator"])
    text = client.get(URL).get_data(as_text=True)
    assert text.count("<strong>Elecsur</strong>") == 2
    assert "Instalaciones Eléctricas del Sur" not in text
    services.schedule_due(clock.today())
    question = db.session.scalar(select(FollowUp.id).where(FollowUp.placement_id == copied.id))
    assert question is not None
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.to_address == other.email))
    assert "como Ayudante en Elecsur. ¿Sigues trabajando allí?" in body


def test_hired_applications_show_up_automatically(client, auth, world):
    company = factories.company(legal_name="Electro Sur S.A.C.")
    opening = factories.opening(company, title="Técnico electricista")
    application = factories.application(opening, world["student"], "finalist")
    services.move(factories.employer(company), application,
                      applications.Move("hired", start_date=clock.today() - timedelta(days=1)))
    auth.login(world["coordinator"])
    text = client.get(URL).get_data(as_text=True)
    assert "Técnico electricista" in text and "Vía el portal" in text


def test_filters_in_place(client, auth, world, htmx_headers):
    today = clock.today()
    factories.placement(world["student"], date(today.year - 1, 3, 1), job_title="Puesto del año pasado")
    factories.placement(world["student"], today - timedelta(days=1), job_title="Práctica actual", kind="pasantia")
    auth.login(world["coordinator"])

    def titles(**query):
        body = client.get(URL, headers=htmx_headers, query_string=query).get_data(as_text=True)
        return set(re.findall(r"<li>([^<]+) en <strong>", body))

    assert titles() == {"Puesto del año pasado", "Práctica actual"}
    assert titles(anio=today.year - 1) == {"Puesto del año pasado"}
    assert titles(tipo="pasantia") == {"Práctica actual"}
    assert titles(origen="portal") == set()
    assert titles(origen="manual") == {"Puesto del año pasado", "Práctica actual"}
    other = factories.programme("Soldadura") or factories.programme()
    assert titles(programa=world["student"].student.programme_id) == {"Puesto del año pasado", "Práctica actual"}
    if other.id != world["student"].student.programme_id:
        assert titles(programa=other.id) == set()
    assert titles(tipo="nonsense", anio="abc") == {"Puesto del año pasado", "Práctica actual"}  # ignored
    assert titles(anio="²", programa="²", pagina="²") == {"Puesto del año pasado", "Práctica actual"}  # was a 500


@pytest.mark.parametrize("start, counted", [(date(2025, 12, 31), 0), (date(2026, 1, 1), 1),
                                            (date(2026, 12, 31), 1), (date(2027, 1, 1), 0)])
def test_placements_this_year_are_those_starting_in_lima_s_year(world, frozen_clock, start, counted):
    frozen_clock(datetime(2026, 12, 2, 10, 0))
    factories.placement(world["student"], start)
    assert coordinators.placements_this_year(world["cetpro"]) == counted


def test_the_dashboard_counts_the_placements_starting_this_year_only(client, auth, world, frozen_clock):
    frozen_clock(datetime(2026, 12, 31, 20, 0))  # 01:00 UTC on 1 January 2027: still 2026 in Lima
    factories.placement(world["student"], date(2026, 3, 1))
    factories.placement(world["student"], date(2026, 12, 31))
    factories.placement(world["student"], date(2027, 1, 1), job_title="Empieza en enero")
    factories.placement(world["other_student"], date(2026, 6, 1))  # another CETPRO
    auth.login(world["coordinator"])
    assert "<b>2</b>Colocaciones este año" in client.get("/coordinador").get_data(as_text=True)


def test_overdue_follow_ups_are_highlighted_and_filterable(client, auth, world, htmx_headers):
    late = factories.placement(world["student"], clock.today() - timedelta(days=130),
                               job_title="Con seguimiento vencido")
    factories.placement(world["student"], clock.today() - timedelta(days=20), job_title="Reciente")
    services.schedule_due()
    assert db.session.scalar(select(FollowUp.placement_id)) == late.id
    auth.login(world["coordinator"])
    text = client.get(URL).get_data(as_text=True)
    assert "1 seguimiento vencido" in text and f'id="placement-{late.id}" class="card placement has-overdue"' in text
    assert "Vencido: sin respuesta" in text
    body = client.get(URL, headers=htmx_headers, query_string={"vencidos": "1"}).get_data(as_text=True)
    assert "Con seguimiento vencido" in body and "Reciente" not in body


def test_other_roles_and_anonymous(client, auth, world):
    response = client.get(URL)
    assert response.status_code in (302, 303) and response.headers["Location"].startswith("/ingresar")
    auth.login(world["student"])
    assert client.get(URL).status_code == 403


# --- Recording a placement -------------------------------------------------------------------


def test_record_without_javascript(client, auth, world):
    auth.login(world["coordinator"])
    response = client.post(URL, data=form(world))
    assert response.status_code == 303 and response.headers["Location"] == URL
    placement = db.session.scalar(select(Placement))
    assert placement.employer_name == "Ferretería El Misti" and placement.source == "manual"
    assert "Registramos la colocación de Rosa Quispe Mamani" in client.get(URL).get_data(as_text=True)


def test_record_in_place(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    response = client.post(URL, data=form(world), headers=htmx_headers)
    assert response.status_code == 200
    assert response.data.lstrip().startswith(b'<section id="placement-form"')
    events = json.loads(response.headers["HX-Trigger"])
    assert "placement-created" in events and "Registramos la colocación" in events["notice-posted"]["message"]
    assert count(Placement) == 1


def test_a_future_start_date_is_refused_in_spanish(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = client.post(URL, data=form(world, start_date=tomorrow), headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and text.lstrip().startswith('<section id="placement-form"')
    assert "está en el futuro" in text and 'value="Ferretería El Misti"' in text
    assert count(Placement) == 0


def test_pay_range_and_ruc_are_checked(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    response = client.post(URL, data=form(world, pay_min="2000", pay_max="1000", employer_ruc="123"),
                           headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "El pago máximo no puede ser menor que el mínimo." in text and "El RUC tiene 11 dígitos" in text
    bad_number = client.post(URL, data=form(world, pay_min="mil"), headers=htmx_headers)
    assert bad_number.status_code == 422 and "Escribe un monto en soles" in bad_number.get_data(as_text=True)
    assert count(Placement) == 0


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999"])
def test_special_numbers_in_pay_are_refused_in_spanish(client, auth, world, htmx_headers, value):
    auth.login(world["coordinator"])
    for name in ("pay_min", "pay_max"):
        for headers in ({}, htmx_headers):
            response = client.post(URL, data=form(world, **{name: value}), headers=headers)
            assert response.status_code == 422, (name, value, response.status_code)
            assert "Escribe un monto en soles" in response.get_data(as_text=True)
    assert count(Placement) == 0


def test_a_student_of_another_cetpro_is_refused(client, auth, world):
    auth.login(world["coordinator"])
    response = client.post(URL, data=form(world, student_id=str(world["other_student"].student.id)))
    assert response.status_code == 422 and count(Placement) == 0


def test_student_search_narrows_the_select(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    response = client.get(URL + "/estudiantes", headers=htmx_headers, query_string={"buscar": "quispe"})
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="student-select"') and "Quispe Mamani, Rosa" in text
    assert f'<option selected value="{world["student"].student.id}">' in text  # the only match is chosen
    assert "Huamán" not in text
    by_dni = client.get(URL + "/estudiantes", headers=htmx_headers,
                        query_string={"buscar": world["student"].student.document_number[:5]})
    assert "Quispe Mamani, Rosa" in by_dni.get_data(as_text=True)


def test_csrf_is_required(client, auth, world):
    placement = factories.placement(world["student"], clock.today() - timedelta(days=100))
    auth.login(world["coordinator"])
    assert client.post(URL, data=form(world), csrf=False).status_code == 400
    assert client.post(f"{URL}/{placement.id}/seguimientos/3", data={"answer": "still_there"}, csrf=False).status_code == 400
    assert client.post(f"{URL}/{placement.id}/convenio", data={}, csrf=False).status_code == 400
    assert count(Placement) == 1 and count(FollowUp) == 0


# --- Evidence ----------------------------------------------------------------------------------


def test_evidence_access(client, auth, world):
    auth.login(world["coordinator"])
    data = form(world)
    data["evidence"] = (io.BytesIO(minimal_pdf("Contrato")), "contrato.pdf", "application/pdf")
    assert client.post(URL, data=data, content_type="multipart/form-data").status_code == 303
    placement = db.session.scalar(select(Placement))
    url = f"{URL}/{placement.id}/evidencia"
    assert f'href="{url}"' in client.get(URL).get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200 and response.data == minimal_pdf("Contrato")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    auth.logout()
    assert client.get(url).headers["Location"].startswith("/ingresar")
    auth.login(world["other_coordinator"])
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login(factories.admin())
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login(factories.employer())
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(world["student"])
    assert client.get(url).status_code == 403


def test_evidence_must_be_a_pdf(client, auth, world):
    auth.login(world["coordinator"])
    data = form(world)
    data["evidence"] = (io.BytesIO(b"GIF89a not a pdf"), "contrato.pdf", "application/pdf")
    response = client.post(URL, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "debe ser un PDF" in response.get_data(as_text=True)
    assert count(Placement) == 0


# --- Follow-up answers in place ----------------------------------------------------------------


def test_coordinator_answers_in_place(client, auth, world, htmx_headers):
    placement = factories.placement(world["student"], clock.today() - timedelta(days=100))
    auth.login(world["coordinator"])
    url = f"{URL}/{placement.id}/seguimientos/3"
    response = client.post(url, data={"answer": "elsewhere", "current_employer": "Minera <b>Sur</b>"},
                           headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and text.lstrip().startswith(f'<li id="placement-{placement.id}"')
    assert "Trabaja en otro lugar" in text and "Minera &lt;b&gt;Sur&lt;/b&gt;" in text
    assert "respondió la coordinación" in text
    assert json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"].startswith("Seguimiento de 3 meses")
    again = client.post(url, data={"answer": "not_working"}, headers=htmx_headers)
    assert again.status_code == 200
    assert "Ya registramos la respuesta" in json.loads(again.headers["HX-Trigger"])["notice-posted"]["message"]
    row = db.session.scalar(select(FollowUp))
    assert (row.answer, row.current_employer, row.answered_by_id) == ("elsewhere", "Minera <b>Sur</b>", world["coordinator"].id)


def test_answer_without_javascript_redirects(client, auth, world):
    placement = factories.placement(world["student"], clock.today() - timedelta(days=100))
    auth.login(world["coordinator"])
    response = client.post(f"{URL}/{placement.id}/seguimientos/3", data={"answer": "still_there"})
    assert response.status_code == 303 and response.headers["Location"] == URL


def test_a_follow_up_not_yet_due_is_refused(client, auth, world, htmx_headers):
    placement = factories.placement(world["student"], clock.today() - timedelta(days=100))
    auth.login(world["coordinator"])
    response = client.post(f"{URL}/{placement.id}/seguimientos/6", data={"answer": "still_there"}, headers=htmx_headers)
    assert response.status_code == 422 and "corresponde desde el" in response.get_data(as_text=True)
    bad = client.post(f"{URL}/{placement.id}/seguimientos/3", data={"answer": "quizas"}, headers=htmx_headers)
    assert bad.status_code == 422
    assert count(FollowUp, FollowUp.answer.is_not(None)) == 0


def test_another_cetpros_placement_is_404(client, auth, world):
    placement = factories.placement(world["other_student"], clock.today() - timedelta(days=100))
    auth.login(world["coordinator"])
    assert client.post(f"{URL}/{placement.id}/seguimientos/3", data={"answer": "still_there"}).status_code == 404
    assert client.post(f"{URL}/{placement.id}/convenio", data={"signed_on": "2025-01-01"}).status_code == 404
    assert client.get(f"{URL}/{placement.id}/evidencia").status_code == 404
    assert count(FollowUp) == 0


def test_agreement_checklist_in_place(client, auth, world, htmx_headers):
    today = clock.today()
    placement = factories.placement(world["student"], today - timedelta(days=20), kind="practicas_preprofesionales")
    auth.login(world["coordinator"])
    page = client.get(URL).get_data(as_text=True)
    assert "Convenio de prácticas" in page and "el CETPRO (CETPRO Arequipa)" in page
    url = f"{URL}/{placement.id}/convenio"
    signed = today - timedelta(days=12)
    response = client.post(url, data={"signed_on": signed.isoformat(), "registered_on": ""}, headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "vence en 3 días" in text
    late = client.post(url, data={"signed_on": (today - timedelta(days=16)).isoformat()}, headers=htmx_headers)
    assert "venció el" in late.get_data(as_text=True)
    done = client.post(url, data={"signed_on": signed.isoformat(), "registered_on": today.isoformat()},
                       headers=htmx_headers)
    assert "Registrado ante el MTPE el" in done.get_data(as_text=True)
    wrong = client.post(url, data={"signed_on": signed.isoformat(),
                                   "registered_on": (signed - timedelta(days=1)).isoformat()}, headers=htmx_headers)
    assert wrong.status_code == 422 and "anterior a la firma" in wrong.get_data(as_text=True)
    db.session.refresh(placement)
    assert placement.agreement_registered_on == today


def test_a_job_shows_no_checklist(client, auth, world):
    factories.placement(world["student"], clock.today() - timedelta(days=20), kind="empleo")
    auth.login(world["coordinator"])
    assert "Convenio de prácticas" not in client.get(URL).get_data(as_text=True)


# --- The graduate's one-tap page ------------------------------------------------------------------


@pytest.fixture
def emailed(world):
    """A follow-up asked by `followups due`, and the link of its email."""
    factories.placement(world["student"], clock.today() - timedelta(days=95), job_title="Electricista",
                        employer="Electro Sur")
    services.schedule_due()
    body = db.session.scalar(select(OutboxEmail.body_text))
    return re.search(r"http://localhost(/seguimiento/\S+)", body).group(1)


def test_one_tap_answer_once(client, emailed, world, htmx_headers):
    page = client.get(emailed)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "¿Sigues trabajando allí?" in text and "Electricista" in text
    assert 'value="still_there"' in text and 'value="elsewhere"' in text and 'value="not_working"' in text
    response = client.post(emailed, data={"answer": "still_there"}, headers=htmx_headers)
    assert response.status_code == 200 and "Registramos tu respuesta" in response.get_data(as_text=True)
    again = client.post(emailed, data={"answer": "not_working"}, headers=htmx_headers)
    assert again.status_code == 200 and "Ya registramos tu respuesta" in again.get_data(as_text=True)
    row = db.session.scalar(select(FollowUp))
    assert row.answer == "still_there" and row.answered_by_id == world["student"].id
    later = client.get(emailed).get_data(as_text=True)
    assert "Ya registramos tu respuesta" in later and "Sí, sigo trabajando allí" in later


def test_one_tap_without_javascript(client, emailed):
    response = client.post(emailed, data={"answer": "elsewhere", "current_employer": "Taller Propio"})
    assert response.status_code == 303 and response.headers["Location"] == emailed
    assert "Taller Propio" in client.get(emailed).get_data(as_text=True)


def test_one_tap_needs_csrf_and_a_real_link(client, emailed, monkeypatch):
    assert client.post(emailed, data={"answer": "still_there"}, csrf=False).status_code == 400
    assert db.session.scalar(select(FollowUp.answer)) is None
    assert client.get(emailed + "x").status_code == 404
    monkeypatch.setattr(rules, "TOKEN_MAX_AGE", -1)
    expired = client.get(emailed)
    assert expired.status_code == 410 and "Este enlace venció" in expired.get_data(as_text=True)
