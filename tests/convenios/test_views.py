"""/coordinador/convenios and /empresa/convenios: pages, fragments, proposals and answers in place, the PDF."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Convenio, Notification
from tests import factories
from tests.helpers.files import minimal_pdf

COORDINATOR = "/coordinador/convenios"
EMPLOYER = "/empresa/convenios"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def proposal(**changes) -> dict:
    today = clock.today()
    values = {"kind": "practicas", "start_date": today.isoformat(),
              "end_date": (today + timedelta(days=365)).isoformat(), "places_per_term": "4",
              "notes": "Prácticas para el módulo de tableros."}
    values.update(changes)
    return values


# --- Pages ------------------------------------------------------------------------------------


def test_coordinator_page_and_fragment(client, auth, world, htmx_headers):
    factories.convenio(world["cetpro"], world["company"], state="active")
    factories.convenio(world["other_cetpro"], world["other_company"], state="active")
    auth.login(world["coordinator"])
    page = client.get(COORDINATOR)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Convenios</h1>" in text and 'id="convenio-form"' in text
    assert "Electro Sur S.A.C." in text and "Metal Andina" not in text
    fragment = client.get(COORDINATOR, headers=htmx_headers)
    assert fragment.data.lstrip().startswith(b'<section id="convenio-list"') and b"<html" not in fragment.data


def test_employer_page_and_fragment(client, auth, world, htmx_headers):
    factories.convenio(world["cetpro"], world["company"], state="active")
    factories.convenio(world["other_cetpro"], world["other_company"], state="active")
    auth.login(world["employer"])
    text = client.get(EMPLOYER).get_data(as_text=True)
    assert "CETPRO Arequipa" in text and "CETPRO Cusco</h3>" not in text
    assert '<option value="' in text and "CETPRO Cusco (" in text  # the CETPRO select offers every CETPRO
    fragment = client.get(EMPLOYER, headers=htmx_headers)
    assert fragment.data.lstrip().startswith(b'<section id="convenio-list"')


def test_ending_soon_is_highlighted_and_expired_shows_ended(client, auth, world):
    today = clock.today()
    factories.convenio(world["cetpro"], world["company"], state="active", end=today + timedelta(days=12))
    factories.convenio(world["cetpro"], world["other_company"], state="active", start=today - timedelta(days=400),
                       end=today - timedelta(days=2))
    auth.login(world["coordinator"])
    text = client.get(COORDINATOR).get_data(as_text=True)
    assert "1 vence en 30 días o menos" in text and "Vigente, vence en 12 días" in text
    assert "convenio-ending" in text and "Finalizado" in text


def test_roles_and_anonymous(client, auth, world):
    for url in (COORDINATOR, EMPLOYER):
        response = client.get(url)
        assert response.status_code in (302, 303) and response.headers["Location"].startswith("/ingresar")
    auth.login(world["employer"])
    assert client.get(COORDINATOR).status_code == 403
    auth.logout()
    auth.login(world["coordinator"])
    assert client.get(EMPLOYER).status_code == 403


def test_a_pending_member_is_sent_to_its_dashboard(client, auth, world):
    pending = factories.employer(world["company"], state="pending")
    auth.login(pending)
    response = client.get(EMPLOYER)
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/empresa")


# --- Proposing ---------------------------------------------------------------------------------


def test_coordinator_proposes_by_ruc_without_javascript(client, auth, world):
    auth.login(world["coordinator"])
    response = client.post(COORDINATOR, data=proposal(empresa="20100070970"))
    assert response.status_code == 303 and response.headers["Location"] == COORDINATOR
    convenio = db.session.scalar(select(Convenio))
    assert (convenio.company_id, convenio.proposed_by, convenio.places_per_term) == (world["company"].id, "cetpro", 4)
    assert count(Notification, Notification.user_id == world["employer"].id) == 1
    assert "Enviamos tu propuesta a Electro Sur S.A.C." in client.get(COORDINATOR).get_data(as_text=True)


def test_coordinator_searches_and_proposes_in_place(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    search = client.get(COORDINATOR + "/empresas", headers=htmx_headers, query_string={"empresa": "electro"})
    text = search.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="company-choices"')
    assert f'name="company_id" value="{world["company"].id}"' in text and "Metal Andina" not in text
    response = client.post(COORDINATOR, headers=htmx_headers,
                           data=proposal(empresa="electro", company_id=str(world["company"].id), pdf=(
                               io.BytesIO(minimal_pdf("Convenio")), "convenio.pdf", "application/pdf")),
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="convenio-form"')
    assert '<hx-partial hx-target="#convenio-list"' in body and "Propuesto" in body
    assert json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"].startswith("Enviamos tu propuesta")
    assert db.session.scalar(select(Convenio.pdf_path)).startswith("convenios/")


def test_a_name_without_a_choice_offers_the_matches(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    response = client.post(COORDINATOR, headers=htmx_headers, data=proposal(empresa="Electro Sur"))
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Elige la empresa de la lista" in text
    assert f'name="company_id" value="{world["company"].id}"' in text
    unknown = client.post(COORDINATOR, headers=htmx_headers, data=proposal(empresa="20100047218"))
    assert unknown.status_code == 422 and "No hay una empresa registrada" in unknown.get_data(as_text=True)
    assert count(Convenio) == 0


def test_end_before_start_is_refused(client, auth, world, htmx_headers):
    auth.login(world["employer"])
    today = clock.today()
    response = client.post(EMPLOYER, headers=htmx_headers, data=proposal(
        cetpro_id=str(world["cetpro"].id), end_date=(today - timedelta(days=1)).isoformat()))
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "La fecha de fin no puede ser anterior a la de inicio." in text
    no_cetpro = client.post(EMPLOYER, headers=htmx_headers, data=proposal(cetpro_id="0"))
    assert no_cetpro.status_code == 422 and "Elige un CETPRO de la lista." in no_cetpro.get_data(as_text=True)
    bad_date = client.post(EMPLOYER, headers=htmx_headers, data=proposal(cetpro_id=str(world["cetpro"].id),
                                                                          start_date="31/02/2025"))
    assert bad_date.status_code == 422 and "Esa fecha no es válida" in bad_date.get_data(as_text=True)
    assert count(Convenio) == 0


def test_employer_proposes_in_place(client, auth, world, htmx_headers):
    auth.login(world["employer"])
    response = client.post(EMPLOYER, headers=htmx_headers, data=proposal(cetpro_id=str(world["cetpro"].id),
                                                                         kind="efsrt"))
    assert response.status_code == 200 and "CETPRO Arequipa" in response.get_data(as_text=True)
    convenio = db.session.scalar(select(Convenio))
    assert (convenio.cetpro_id, convenio.company_id, convenio.kind, convenio.proposed_by) == (
        world["cetpro"].id, world["company"].id, "efsrt", "company")
    assert {n.user_id for n in db.session.scalars(select(Notification))} == {
        world["coordinator"].id, world["second_coordinator"].id}


def test_csrf_is_required(client, auth, world):
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by="company")
    auth.login(world["coordinator"])
    assert client.post(COORDINATOR, data=proposal(empresa="20100070970"), csrf=False).status_code == 400
    assert client.post(f"{COORDINATOR}/{convenio.id}/aceptar", csrf=False).status_code == 400
    assert count(Convenio) == 1 and db.session.get(Convenio, convenio.id).state == "proposed"


# --- Accepting and declining ------------------------------------------------------------------


@pytest.mark.parametrize("proposer, decider, url", [
    ("company", "coordinator", COORDINATOR), ("cetpro", "employer", EMPLOYER)])
def test_accept_in_place_both_directions(client, auth, world, htmx_headers, proposer, decider, url):
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by=proposer)
    auth.login(world[decider])
    assert "Aceptar" in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/{convenio.id}/aceptar", headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and text.lstrip().startswith(f'<li id="convenio-{convenio.id}"')
    assert "Vigente" in text and "Aceptar" not in text
    events = json.loads(response.headers["HX-Trigger"])
    assert events["notice-posted"]["message"].startswith("Aceptaste el convenio") and "notifications-changed" in events
    assert db.session.get(Convenio, convenio.id).state == "active"
    again = client.post(f"{url}/{convenio.id}/rechazar", headers=htmx_headers)
    assert "ya fue respondida" in json.loads(again.headers["HX-Trigger"])["notice-posted"]["message"]
    assert db.session.get(Convenio, convenio.id).state == "active"


@pytest.mark.parametrize("proposer, decider, url", [
    ("company", "coordinator", COORDINATOR), ("cetpro", "employer", EMPLOYER)])
def test_decline_without_javascript_both_directions(client, auth, world, proposer, decider, url):
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by=proposer)
    auth.login(world[decider])
    response = client.post(f"{url}/{convenio.id}/rechazar")
    assert response.status_code == 303 and response.headers["Location"] == url
    assert db.session.get(Convenio, convenio.id).state == "rejected"
    assert count(Notification, Notification.kind == "convenio-declined") >= 1


def test_the_proposer_cannot_accept(client, auth, world, htmx_headers):
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by="cetpro")
    auth.login(world["coordinator"])
    response = client.post(f"{COORDINATOR}/{convenio.id}/aceptar", headers=htmx_headers)
    assert response.status_code == 409 and "la otra parte" in response.get_data(as_text=True)
    assert db.session.get(Convenio, convenio.id).state == "proposed"


def test_outsiders_get_404(client, auth, world):
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by="company")
    auth.login(world["other_coordinator"])
    assert client.post(f"{COORDINATOR}/{convenio.id}/aceptar").status_code == 404
    auth.logout()
    auth.login(world["other_employer"])
    assert client.post(f"{EMPLOYER}/{convenio.id}/aceptar").status_code == 404
    assert db.session.get(Convenio, convenio.id).state == "proposed"


# --- The PDF -------------------------------------------------------------------------------------


def test_pdf_access_matrix(client, auth, world):
    convenio = factories.convenio(world["cetpro"], world["company"], state="active")
    auth.login(world["employer"])
    upload = client.post(f"{EMPLOYER}/{convenio.id}/pdf", content_type="multipart/form-data",
                         data={"pdf": (io.BytesIO(minimal_pdf("Firmado")), "firmado.pdf", "application/pdf")})
    assert upload.status_code == 303
    url = f"/convenios/{convenio.id}/pdf"
    expected = minimal_pdf("Firmado")
    response = client.get(url)
    assert response.status_code == 200 and response.data == expected
    assert response.headers["Content-Type"] == "application/pdf"
    auth.logout()
    cases = [("coordinator", 200), ("second_coordinator", 200), ("other_coordinator", 404),
             ("other_employer", 404), ("employer", 200)]
    for who, status in cases:
        auth.login(world[who])
        assert client.get(url).status_code == status, who
        auth.logout()
    auth.login(factories.admin())
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login(factories.student(world["cetpro"]))
    assert client.get(url).status_code == 403
    auth.logout()
    anonymous = client.get(url)
    assert anonymous.status_code in (302, 303) and anonymous.headers["Location"].startswith("/ingresar")


def test_pdf_upload_in_place_and_refusals(client, auth, world, htmx_headers):
    convenio = factories.convenio(world["cetpro"], world["company"], state="active")
    auth.login(world["coordinator"])
    url = f"{COORDINATOR}/{convenio.id}/pdf"
    bad = client.post(url, headers=htmx_headers, content_type="multipart/form-data",
                      data={"pdf": (io.BytesIO(b"MZ not a pdf"), "convenio.pdf", "application/pdf")})
    assert bad.status_code == 422 and "debe ser un PDF" in bad.get_data(as_text=True)
    empty = client.post(url, headers=htmx_headers, data={})
    assert empty.status_code == 422 and "Elige un archivo PDF" in empty.get_data(as_text=True)
    good = client.post(url, headers=htmx_headers, content_type="multipart/form-data",
                       data={"pdf": (io.BytesIO(minimal_pdf()), "convenio.pdf", "application/pdf")})
    assert good.status_code == 200 and f'href="/convenios/{convenio.id}/pdf"' in good.get_data(as_text=True)
    auth.logout()
    auth.login(world["other_coordinator"])
    assert client.post(url, content_type="multipart/form-data",
                       data={"pdf": (io.BytesIO(minimal_pdf()), "x.pdf", "application/pdf")}).status_code == 404


def test_no_pdf_is_404(client, auth, world):
    convenio = factories.convenio(world["cetpro"], world["company"], state="active")
    auth.login(world["coordinator"])
    assert client.get(f"/convenios/{convenio.id}/pdf").status_code == 404
