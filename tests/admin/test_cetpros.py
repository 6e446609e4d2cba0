"""/admin/cetpros: the list and search (page and fragment), creating and editing a CETPRO
(422 with Spanish messages, nothing written), deactivating it, and its coordinators:
invite, send again, revoke, deactivate — without JavaScript (303) and with htmx (fragments).
And /coordinacion/bienvenida/<token>, the link the invited person opens."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from portal.accounts import passwords
from portal.cetpros import invitations
from portal.companies import team
from portal.extensions import db
from portal.models import Cetpro, CoordinatorInvitation, OutboxEmail, Programme, User
from tests import factories
from tests.helpers.trust import signed_in

GOOD_PASSWORD = "taller-de-soldadura-7"


@pytest.fixture
def admin(app):
    return factories.admin(email="jefa@enlace.pe")


@pytest.fixture
def admin_client(app, admin):
    return signed_in(app, admin)


@pytest.fixture
def cetpro(app):
    return factories.cetpro(name="CETPRO Misti", codigo_modular="0400001", department="04", province="0401")


def form(**changes) -> dict:
    values = {"codigo_modular": "0512345", "name": "CETPRO Rímac", "management": "publica", "ugel": "UGEL 02",
              "department_code": "15", "province_code": "1501", "district_code": "150128"}
    values.update(changes)
    return values


def notice(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"]


def latest_link(to: str) -> str:
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == to)
                              .order_by(OutboxEmail.id.desc()).limit(1))
    return re.search(r"http://localhost(/coordinacion/bienvenida/\S+)", email.body_text).group(1)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_dashboard_links_to_the_cetpros(admin_client):
    assert 'href="/admin/cetpros"' in admin_client.get("/admin").get_data(as_text=True)


def test_list_page_and_search_fragment(admin_client, cetpro, htmx_headers):
    factories.cetpro(name="CETPRO Cusco Tecnológico", department="08", province="0801")
    page = admin_client.get("/admin/cetpros").get_data(as_text=True)
    assert "<html" in page and "CETPRO Misti" in page and "CETPRO Cusco Tecnológico" in page
    response = admin_client.get("/admin/cetpros?q=arequipa", headers=htmx_headers)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith('<section id="cetpro-results"')
    assert "CETPRO Misti" in fragment and "Cusco" not in fragment and "1 CETPRO" in fragment
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    assert "CETPRO Misti" in admin_client.get("/admin/cetpros?q=0400001").get_data(as_text=True)


def test_list_is_paged(admin_client):
    for n in range(22):
        factories.cetpro(name=f"CETPRO {n:02d}")
    page = admin_client.get("/admin/cetpros").get_data(as_text=True)
    assert "CETPRO 19" in page and "CETPRO 20" not in page and 'href="/admin/cetpros?pagina=2"' in page
    assert "CETPRO 21" in admin_client.get("/admin/cetpros?pagina=2").get_data(as_text=True)


def test_create_without_javascript(admin_client):
    programme = db.session.scalar(select(Programme).order_by(Programme.id).limit(1))
    page = admin_client.get("/admin/cetpros/nuevo").get_data(as_text=True)
    assert 'name="codigo_modular"' in page and 'id="place-fields"' in page and programme.name in page
    response = admin_client.post("/admin/cetpros/nuevo", data={**form(), "programme_ids": [str(programme.id)]})
    cetpro = db.session.scalar(select(Cetpro).where(Cetpro.codigo_modular == "0512345"))
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/cetpros/{cetpro.id}"
    assert cetpro.programmes == [programme] and cetpro.district_code == "150128"
    shown = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registramos CETPRO Rímac (0512345)" in shown and programme.name in shown and "UGEL 02" in shown


@pytest.mark.parametrize("htmx", [False, True])
def test_bad_codigo_modular_is_refused_with_422(admin_client, cetpro, htmx_headers, htmx):
    headers = htmx_headers if htmx else {}
    for code, message in (("04001", "El código modular tiene 7 dígitos"),
                          ("0400001", "El código modular 0400001 ya es de CETPRO Misti")):
        response = admin_client.post("/admin/cetpros/nuevo", data=form(codigo_modular=code), headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and message in body and 'value="CETPRO Rímac"' in body
        assert ("<html" in body) is not htmx
    assert count(Cetpro) == 1


def test_edit_keeps_the_record_and_refuses_bad_places(admin_client, cetpro):
    page = admin_client.get(f"/admin/cetpros/{cetpro.id}/editar").get_data(as_text=True)
    assert 'value="0400001"' in page and 'value="CETPRO Misti"' in page
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/editar",
                                 data=form(codigo_modular="0400001", province_code="0401", district_code=""))
    assert response.status_code == 422 and "Elige una provincia de Lima" in response.get_data(as_text=True)
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/editar", data=form(codigo_modular="0400001",
                                 name="CETPRO Misti Nuevo", management="privada"))
    assert response.status_code == 303
    db.session.expire_all()
    assert (cetpro.name, cetpro.management, cetpro.department_code) == ("CETPRO Misti Nuevo", "privada", "15")


def test_deactivate_and_reactivate(admin_client, cetpro, htmx_headers):
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/desactivar")
    assert response.status_code == 303
    assert "ya no aparece en las listas" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert not cetpro.active
    assert "CETPRO Misti" not in admin_client.get("/admin/cetpros").get_data(as_text=True)
    assert "CETPRO Misti" in admin_client.get("/admin/cetpros?estado=inactivos").get_data(as_text=True)
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/reactivar", headers=htmx_headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="cetpro-record"')
    assert notice(response) == "CETPRO Misti está activo otra vez."
    db.session.expire_all()
    assert cetpro.active


def test_a_deactivated_cetpro_is_not_offered_at_registration(client, cetpro):
    other = factories.cetpro(name="CETPRO Sigue Abierto")
    cetpro.active = False
    db.session.commit()
    page = client.get("/registro/estudiante").get_data(as_text=True)
    assert "CETPRO Sigue Abierto" in page and "CETPRO Misti" not in page
    assert other.active


def test_invite_without_javascript_then_with_htmx(admin_client, cetpro, htmx_headers):
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/invitar", data={"email": "Rosa@Misti.edu.pe"})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/cetpros/{cetpro.id}"
    page = admin_client.get(f"/admin/cetpros/{cetpro.id}").get_data(as_text=True)
    assert "Enviamos la invitación a rosa@misti.edu.pe" in page and "Invitaciones pendientes (1)" in page
    assert latest_link("rosa@misti.edu.pe").startswith("/coordinacion/bienvenida/")
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/invitar", data={"email": "luis@misti.edu.pe"},
                                 headers=htmx_headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<form id="coordinator-invite-form"')
    assert '<hx-partial hx-target="#coordinator-invitations"' in body and "Invitaciones pendientes (2)" in body
    assert notice(response).startswith("Enviamos la invitación a luis@misti.edu.pe.")


@pytest.mark.parametrize("htmx", [False, True])
def test_bad_invitation_email_is_refused_with_422(admin_client, cetpro, htmx_headers, htmx):
    factories.coordinator(cetpro, email="ya@misti.edu.pe")
    for email, message in (("", "Escribe el correo"), ("rosa@", "Ese correo no parece válido"),
                           ("ya@misti.edu.pe", "ya@misti.edu.pe ya es coordinador(a) de CETPRO Misti")):
        response = admin_client.post(f"/admin/cetpros/{cetpro.id}/invitar", data={"email": email},
                                     headers=htmx_headers if htmx else {})
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and message in body
        assert body.lstrip().startswith('<form id="coordinator-invite-form"') is htmx
    assert count(CoordinatorInvitation) == 0 and count(OutboxEmail) == 0


def test_resend_and_revoke_in_place(admin_client, admin, cetpro, htmx_headers):
    invitation, _ = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    old = latest_link("rosa@misti.edu.pe")
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/invitaciones/{invitation.id}/reenviar",
                                 headers=htmx_headers)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<section id="coordinator-invitations"')
    assert notice(response) == "Enviamos un enlace nuevo a rosa@misti.edu.pe; el anterior ya no sirve."
    new = latest_link("rosa@misti.edu.pe")
    assert new != old
    assert "usa el del último correo" in admin_client.get(old).get_data(as_text=True)
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/invitaciones/{invitation.id}/anular")
    assert response.status_code == 303
    visitor = app_client(admin_client)
    response = visitor.get(new)
    assert response.status_code == 404 and "fue anulada" in response.get_data(as_text=True)


def app_client(client):
    return client.application.test_client()


def test_another_cetpros_invitation_or_coordinator_is_not_found(admin_client, admin, cetpro):
    other = factories.cetpro()
    invitation, _ = invitations.invite(other, "rosa@otro.edu.pe", admin)
    person = factories.coordinator(other)
    assert admin_client.post(f"/admin/cetpros/{cetpro.id}/invitaciones/{invitation.id}/anular").status_code == 404
    assert admin_client.post(f"/admin/cetpros/{cetpro.id}/coordinadores/{person.id}/desactivar").status_code == 404
    assert admin_client.get("/admin/cetpros/999999").status_code == 404
    db.session.expire_all()
    assert invitation.state == "pending" and person.active


def test_deactivating_a_coordinator_ends_their_session(app, admin_client, cetpro, htmx_headers):
    person = factories.coordinator(cetpro, email="rosa@misti.edu.pe")
    theirs = signed_in(app, person)
    assert theirs.get("/coordinador").status_code == 200
    response = admin_client.post(f"/admin/cetpros/{cetpro.id}/coordinadores/{person.id}/desactivar",
                                 headers=htmx_headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="cetpro-coordinators"')
    assert "Desactivado(a)" in body and "cerramos sus sesiones" in notice(response)
    assert theirs.get("/coordinador").status_code == 302  # signed out: to /ingresar
    login = app.test_client().post("/ingresar", data={"email": "rosa@misti.edu.pe", "password": factories.PASSWORD})
    assert login.status_code == 422  # refused: the sign-in page again


def test_accept_link_page_and_refusals(app, admin, cetpro):
    invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    link = latest_link("rosa@misti.edu.pe")
    visitor = app.test_client()
    page = visitor.get(link).get_data(as_text=True)
    assert "Coordina CETPRO Misti" in page and "rosa@misti.edu.pe" in page and 'name="robots" content="noindex"' in page
    response = visitor.post(link, data={"first_names": "Rosa", "last_names": "Quispe", "password": "corta",
                                        "confirm": "corta"})
    assert response.status_code == 422 and "al menos 10 caracteres" in response.get_data(as_text=True)
    response = visitor.post(link, data={"first_names": "Rosa", "last_names": "Quispe", "password": GOOD_PASSWORD,
                                        "confirm": "otra-cosa-123"})
    assert response.status_code == 422 and "Las contraseñas no coinciden." in response.get_data(as_text=True)
    assert count(User) == 1
    response = visitor.post(link, data={"first_names": "Rosa", "last_names": "Quispe", "password": GOOD_PASSWORD,
                                        "confirm": GOOD_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/coordinador"
    dashboard = visitor.get("/coordinador")
    assert dashboard.status_code == 200 and "Ya coordinas CETPRO Misti" in dashboard.get_data(as_text=True)
    again = app.test_client().get(link)
    assert again.status_code == 404 and "ya se usó" in again.get_data(as_text=True)
    assert app.test_client().get("/coordinacion/bienvenida/falso").status_code == 404


def test_tokens_made_for_other_links_do_not_open_the_invitation(app, admin, cetpro):
    company = factories.company()
    owner = factories.employer(company)
    join_token = team.invite(company, owner, "colega@empresa.pe")
    reset = passwords.reset_token(admin)
    visitor = app.test_client()
    for token in (join_token, reset):
        response = visitor.get(f"/coordinacion/bienvenida/{token}")
        assert response.status_code == 404 and "Este enlace ya no sirve" in response.get_data(as_text=True)
    _, ours = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    assert visitor.get(f"/empresa/unirse/{ours}").status_code == 404
    assert visitor.get(f"/bienvenida/{ours}").status_code == 404
