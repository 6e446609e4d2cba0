"""/admin/usuarios: the search page and its fragment, one account's page, and the actions on it
answered in place (htmx) or with a 303 (without JavaScript)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, OutboxEmail, User
from tests import factories
from tests.helpers.events import toast


@pytest.fixture
def admin(app, auth):
    user = factories.named(factories.admin(email="admin@enlace.pe"), "Admin", "Principal")
    auth.login(user)
    return user


@pytest.fixture
def members(app):
    company = factories.company(legal_name="Electro Sur S.A.C.", ruc="20100070970")
    owner = factories.named(factories.employer(company, email="jefa@electrosur.pe"), "Carmen", "Flores")
    student = factories.named(factories.student(email="rosa@example.pe", document_number="45678912"),
                              "Rosa", "Quispe")
    return owner, student


def test_the_page_lists_accounts_with_role_place_state_and_last_sign_in(client, admin, members):
    response = client.get("/admin/usuarios")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page and "HX-Request" in response.headers["Vary"]
    assert "3 cuentas" in page
    owner, student = members
    assert f'href="/admin/usuarios/{owner.id}"' in page
    assert "Electro Sur S.A.C. (RUC 20100070970)" in page and "DNI 45678912" in page
    assert "Último ingreso: nunca" in page and "Activa" in page


def test_the_fragment_answers_a_search_by_ruc(client, admin, members, htmx_headers):
    response = client.get("/admin/usuarios?q=20100070970", headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<section id="user-results"')
    assert "1 cuenta para «20100070970»" in page and "jefa@electrosur.pe" in page and "rosa@" not in page


def test_search_text_is_escaped(client, admin):
    page = client.get("/admin/usuarios?q=<script>x</script>").get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_an_account_page_and_its_fragment(client, admin, members, htmx_headers):
    _, student = members
    page = client.get(f"/admin/usuarios/{student.id}").get_data(as_text=True)
    assert "<h1>Rosa Quispe</h1>" in page and "Enviar correo para cambiar la contraseña" in page
    assert "Desactivar la cuenta" in page and "Reenviar el correo de confirmación" not in page
    assert f"/admin/auditoria?tipo=User&amp;objeto={student.id}" in page
    fragment = client.get(f"/admin/usuarios/{student.id}", headers=htmx_headers).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="user-account"')
    assert client.get("/admin/usuarios/999999").status_code == 404


def test_own_page_offers_no_deactivation(client, admin):
    page = client.get(f"/admin/usuarios/{admin.id}").get_data(as_text=True)
    assert "No puedes desactivar tu propia cuenta." in page and "Desactivar la cuenta" not in page


def test_deactivate_in_place_then_reactivate_without_javascript(client, admin, members, htmx_headers):
    _, student = members
    response = client.post(f"/admin/usuarios/{student.id}/desactivar", data={"reason": "Pidió darse de baja"},
                           headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.lstrip().startswith('<section id="user-account"')
    assert "Desactivada" in page and "Reactivar la cuenta" in page
    assert toast(response).startswith("Desactivaste la cuenta de Rosa Quispe")
    assert db.session.get(User, student.id).active is False

    response = client.post(f"/admin/usuarios/{student.id}/reactivar")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/usuarios/{student.id}"
    assert db.session.get(User, student.id).active is True
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reactivaste la cuenta de Rosa Quispe" in page
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["user.deactivated", "user.reactivated"]


def test_deactivating_oneself_is_refused_with_a_message(client, admin, htmx_headers):
    response = client.post(f"/admin/usuarios/{admin.id}/desactivar", headers=htmx_headers)
    assert response.status_code == 422
    assert toast(response).startswith("No puedes desactivar tu propia cuenta")
    assert db.session.get(User, admin.id).active is True


def test_a_reason_too_long_is_refused_beside_the_field(client, admin, members, htmx_headers):
    _, student = members
    response = client.post(f"/admin/usuarios/{student.id}/desactivar", data={"reason": "x" * 301},
                           headers=htmx_headers)
    assert response.status_code == 422 and "Máximo 300 caracteres." in response.get_data(as_text=True)
    assert toast(response) == "No se hizo ningún cambio. Máximo 300 caracteres."
    assert db.session.get(User, student.id).active is True


def test_without_csrf_nothing_changes(client, admin, members):
    _, student = members
    response = client.post(f"/admin/usuarios/{student.id}/desactivar", data={}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(User, student.id).active is True


def test_resend_confirmation_and_password_reset(client, admin, members, htmx_headers):
    owner, student = members
    student.email_confirmed_at = None
    db.session.commit()
    page = client.get(f"/admin/usuarios/{student.id}").get_data(as_text=True)
    assert "Sin confirmar" in page and "Reenviar el correo de confirmación" in page
    response = client.post(f"/admin/usuarios/{student.id}/confirmacion", headers=htmx_headers)
    assert response.status_code == 200
    assert toast(response) == "Enviamos a rosa@example.pe un nuevo enlace para activar la cuenta."

    response = client.post(f"/admin/usuarios/{owner.id}/confirmacion", headers=htmx_headers)
    assert response.status_code == 422 and "ya confirmó" in toast(response)

    response = client.post(f"/admin/usuarios/{owner.id}/contrasena", headers=htmx_headers)
    assert response.status_code == 200 and "Solo la persona puede elegir la nueva" in toast(response)
    subjects = db.session.scalars(select(OutboxEmail.subject).order_by(OutboxEmail.id)).all()
    assert subjects == ["Activa tu cuenta de Enlace CETPRO", "Cambia tu contraseña de Enlace CETPRO"]
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
                                 .order_by(AuditEvent.id)).all()
    assert audited == ["user.confirmation_resent", "user.password_reset_sent"]


def test_the_dashboard_links_both_pages(client, admin):
    page = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/usuarios"' in page and 'href="/admin/auditoria"' in page
