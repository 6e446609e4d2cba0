"""/coordinador/empresas and /admin/empresas: the queues, and verify/reject in place."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.companies import queries
from portal.extensions import db
from portal.models import Company, Notification
from tests import factories


@pytest.fixture
def world(app):
    """A CETPRO with a coordinator, a partner company, and a company it has no convenio with."""
    cetpro = factories.cetpro(name="CETPRO Yanahuara")
    coordinator = factories.coordinator(cetpro)
    partner = factories.company(verified=False, legal_name="Electro Sur S.A.C.")
    owner = factories.employer(partner)
    stranger = factories.company(verified=False, legal_name="Lejana S.A.C.")
    factories.convenio(cetpro, partner)
    return cetpro, coordinator, partner, owner, stranger


def state_of(company) -> str:
    return db.session.get(Company, company.id).verification_state


def test_coordinator_queue_lists_only_partner_companies(client, auth, world):
    _, coordinator, partner, _, stranger = world
    auth.login(coordinator)
    response = client.get("/coordinador/empresas")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert f'id="company-{partner.id}"' in page and "Electro Sur S.A.C." in page
    assert "Lejana" not in page
    assert "Convenio de prácticas vigente" in page
    assert "HX-Request" in response.headers["Vary"]


def test_queue_fragment_for_htmx(client, auth, world, htmx_headers):
    _, coordinator, partner, _, _ = world
    auth.login(coordinator)
    response = client.get("/coordinador/empresas?estado=todas", headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert "<html" not in page and page.lstrip().startswith('<section id="company-queue"')
    assert 'name="next" value="/coordinador/empresas?estado=todas"' in page


@pytest.mark.parametrize(
    "estado, shown",
    [("por-verificar", True), ("verificadas", False), ("rechazadas", False), ("todas", True), ("cualquiera", True)],
)
def test_queue_filters_by_state_and_ignores_unknown_values(client, auth, world, estado, shown):
    _, coordinator, partner, _, _ = world
    auth.login(coordinator)
    page = client.get(f"/coordinador/empresas?estado={estado}").get_data(as_text=True)
    assert (f'id="company-{partner.id}"' in page) is shown


def test_coordinator_verifies_in_place(client, auth, world, htmx_headers):
    _, coordinator, partner, owner, _ = world
    auth.login(coordinator)
    response = client.post(f"/coordinador/empresas/{partner.id}/verificar",
                           data={"next": "/coordinador/empresas"}, headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith(f'<li id="company-{partner.id}"')
    assert "✓ Verificada por CETPRO Yanahuara" in page and "Verificada por CETPRO Yanahuara (" in page
    notice = json.loads(response.headers["HX-Trigger"])["notice-posted"]
    assert notice["message"] == ("Verificaste a Electro Sur S.A.C. en nombre de CETPRO Yanahuara: se muestra "
                                 "«Verificada por CETPRO Yanahuara». Avisamos a su equipo.")
    assert state_of(partner) == "verified"
    assert db.session.scalar(select(Notification).where(Notification.user_id == owner.id)).kind == "company-verified"


def test_coordinator_verifies_without_javascript(client, auth, world):
    _, coordinator, partner, _, _ = world
    auth.login(coordinator)
    response = client.post(f"/coordinador/empresas/{partner.id}/verificar",
                           data={"next": "/coordinador/empresas?estado=todas"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/coordinador/empresas?estado=todas"
    assert state_of(partner) == "verified"
    page = client.get("/coordinador/empresas?estado=verificadas").get_data(as_text=True)
    assert "Verificaste a Electro Sur S.A.C." in page and f'id="company-{partner.id}"' in page


def test_next_never_leaves_the_queue(client, auth, world):
    _, coordinator, partner, _, _ = world
    auth.login(coordinator)
    for target in ("https://evil.example/", "//evil.example/coordinador/empresas", "/admin/empresas"):
        response = client.post(f"/coordinador/empresas/{partner.id}/verificar", data={"next": target})
        assert response.headers["Location"] == "/coordinador/empresas"


@pytest.mark.parametrize("partial", [False, True])
def test_reject_without_reason_is_refused_in_spanish(client, auth, world, htmx_headers, partial):
    _, coordinator, partner, owner, _ = world
    auth.login(coordinator)
    response = client.post(f"/coordinador/empresas/{partner.id}/rechazar", data={"reason": "  "},
                           headers=htmx_headers if partial else {})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Escribe el motivo del rechazo: la empresa lo leerá para corregir sus datos." in page
    assert ("<html" in page) is not partial
    assert 'aria-invalid="true"' in page
    assert state_of(partner) == "unverified"
    assert db.session.scalar(select(Notification).where(Notification.user_id == owner.id)) is None


def test_reject_with_reason_in_place(client, auth, world, htmx_headers):
    _, coordinator, partner, owner, _ = world
    auth.login(coordinator)
    response = client.post(f"/coordinador/empresas/{partner.id}/rechazar",
                           data={"reason": "La dirección no existe"}, headers=htmx_headers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Her CETPRO's statement, not the platform's: the company waits for an admin.
    assert "Rechazada por CETPRO Yanahuara: La dirección no existe" in page
    assert state_of(partner) == "unverified"
    note = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert note.kind == "company-rejected" and "CETPRO Yanahuara" in note.message


def test_coordinator_of_another_cetpro_gets_404(client, auth, world):
    _, _, partner, _, _ = world
    auth.login(factories.coordinator())
    assert client.post(f"/coordinador/empresas/{partner.id}/verificar").status_code == 404
    assert client.post(f"/coordinador/empresas/{partner.id}/rechazar", data={"reason": "No"}).status_code == 404
    assert f'id="company-{partner.id}"' not in client.get("/coordinador/empresas?estado=todas").get_data(as_text=True)
    assert state_of(partner) == "unverified"


def test_company_without_convenio_is_404_for_the_coordinator(client, auth, world):
    _, coordinator, _, _, stranger = world
    auth.login(coordinator)
    assert client.post(f"/coordinador/empresas/{stranger.id}/verificar").status_code == 404
    assert state_of(stranger) == "unverified"


def test_an_expired_convenio_no_longer_allows_verifying(client, auth):
    cetpro = factories.cetpro()
    company = factories.company(verified=False)
    today = clock.today()
    factories.convenio(cetpro, company, start=today - timedelta(days=400), end=today - timedelta(days=5))
    auth.login(factories.coordinator(cetpro))
    assert client.post(f"/coordinador/empresas/{company.id}/verificar").status_code == 404
    page = client.get("/coordinador/empresas").get_data(as_text=True)
    assert "No hay empresas con convenio vigente con tu CETPRO." in page


def test_verify_without_csrf_token(client, auth, world):
    _, coordinator, partner, _, _ = world
    auth.login(coordinator)
    assert client.post(f"/coordinador/empresas/{partner.id}/verificar", csrf=False).status_code == 400
    assert state_of(partner) == "unverified"


@pytest.mark.parametrize("path", ["/coordinador/empresas", "/admin/empresas"])
def test_queues_are_for_their_role(client, auth, world, path):
    response = client.get(path)
    assert response.status_code == 302 and "/ingresar" in response.headers["Location"]
    _, _, _, owner, _ = world
    auth.login(owner)
    assert client.get(path).status_code == 403


def test_an_employer_cannot_verify_its_own_company(client, auth, world):
    _, _, partner, owner, _ = world
    auth.login(owner)
    assert client.post(f"/coordinador/empresas/{partner.id}/verificar").status_code == 403
    assert client.post(f"/admin/empresas/{partner.id}/verificar").status_code == 403
    assert state_of(partner) == "unverified"


def test_a_coordinator_cannot_use_the_admin_queue(client, auth, world):
    _, coordinator, _, _, stranger = world
    auth.login(coordinator)
    assert client.post(f"/admin/empresas/{stranger.id}/verificar").status_code == 403
    assert state_of(stranger) == "unverified"


# --- Admin -------------------------------------------------------------------------------------


def test_admin_sees_every_company_and_verifies_any(client, auth, world, htmx_headers):
    _, _, partner, _, stranger = world
    auth.login(factories.admin())
    page = client.get("/admin/empresas").get_data(as_text=True)
    assert f'id="company-{partner.id}"' in page and f'id="company-{stranger.id}"' in page
    response = client.post(f"/admin/empresas/{stranger.id}/verificar", headers=htmx_headers)
    assert response.status_code == 200 and "✓ Verificada" in response.get_data(as_text=True)
    assert state_of(stranger) == "verified"


def test_admin_searches_by_ruc_or_name(client, auth, world, htmx_headers):
    _, _, partner, _, stranger = world
    auth.login(factories.admin())
    by_ruc = client.get(f"/admin/empresas?q={partner.ruc[:6]}&estado=todas", headers=htmx_headers).get_data(as_text=True)
    assert f'id="company-{partner.id}"' in by_ruc
    by_name = client.get("/admin/empresas?q=lejana&estado=todas", headers=htmx_headers).get_data(as_text=True)
    assert f'id="company-{stranger.id}"' in by_name and f'id="company-{partner.id}"' not in by_name
    nothing = client.get("/admin/empresas?q=100%25_&estado=todas").get_data(as_text=True)
    assert "No hay empresas en este estado" in nothing


def test_admin_queue_pages(client, auth, app):
    for _ in range(queries.PER_PAGE + 3):
        factories.company(verified=False)
    auth.login(factories.admin())
    first = client.get("/admin/empresas").get_data(as_text=True)
    assert first.count('class="card company-row"') == queries.PER_PAGE
    assert "Página 1 de 2" in first and 'href="/admin/empresas?pagina=2"' in first
    second = client.get("/admin/empresas?pagina=2").get_data(as_text=True)
    assert second.count('class="card company-row"') == 3
    beyond = client.get("/admin/empresas?pagina=9").get_data(as_text=True)
    assert "No hay empresas en este estado" in beyond
    assert client.get("/admin/empresas?pagina=abc").status_code == 200


def test_admin_reject_needs_a_reason(client, auth, world):
    _, _, _, _, stranger = world
    auth.login(factories.admin())
    response = client.post(f"/admin/empresas/{stranger.id}/rechazar", data={"reason": ""})
    assert response.status_code == 422
    assert "Escribe el motivo del rechazo" in response.get_data(as_text=True)
    assert client.post("/admin/empresas/999999/verificar").status_code == 404
