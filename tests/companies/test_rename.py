"""A rename does not keep the badge: a verified company that changes its razón social goes back
to verification, its published openings stay up marked «Pendiente de re-verificación», and it
cannot publish new ones until someone verifies it again; changes of nombre comercial and logo
keep the badge but the verifier reads them, old and new, in the queue (the audit trail)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Company, Opening
from tests import factories
from tests.helpers.files import PNG
from tests.helpers.web import HTMX


def form(**changes) -> dict:
    values = {"legal_name": "Electro Sur S.A.C.", "trade_name": "Electro Sur", "sector": "Electricidad",
              "department_code": "04", "province_code": "0401", "district_code": "040101",
              "address": "Av. Ejército 101", "website": "", "phone": "", "description": ""}
    return {**values, **changes}


@pytest.fixture
def scene(app):
    company = factories.company(verified=True, legal_name="Electro Sur S.A.C.", trade_name="Electro Sur")
    owner = factories.employer(company)
    opening = factories.opening(company, title="Electricista de tableros")
    draft = factories.opening(company, state="draft", title="Soldador")
    return {"company": company, "owner": owner, "opening": opening, "draft": draft, "admin": factories.admin()}


def test_changing_the_legal_name_sends_a_verified_company_back_to_verification(client, auth, scene):
    auth.login(scene["owner"])
    response = client.post("/empresa/perfil", data=form(legal_name="Banco Nacional S.A.A.", trade_name=""),
                           headers=HTMX)
    assert response.status_code == 200
    assert "tu empresa vuelve a verificarse" in response.headers["HX-Trigger"].encode().decode("unicode_escape")
    company = db.session.get(Company, scene["company"].id)
    assert company.verification_state == "unverified" and company.awaits_reverification
    # Everywhere it is named: no «✓ Verificada», but «Pendiente de re-verificación».
    for path in (f"/ofertas/{scene['opening'].id}", "/ofertas", "/empresa/perfil"):
        page = client.get(path).get_data(as_text=True)
        assert "Banco Nacional S.A.A." in page, path
        assert "✓ Verificada" not in page, path
        assert "Pendiente de re-verificación" in page, path
    # The published opening stays up; a new one cannot be published.
    assert db.session.get(Opening, scene["opening"].id).state == "published"
    refused = client.post(f"/empresa/ofertas/{scene['draft'].id}/publicar", headers=HTMX)
    assert refused.status_code == 409 and "aún no está verificada" in refused.headers["HX-Trigger"].encode().decode("unicode_escape")
    assert db.session.get(Opening, scene["draft"].id).state == "draft"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.profile_updated"))
    assert event.data["legal_name"] == ["Electro Sur S.A.C.", "Banco Nacional S.A.A."]
    assert event.data["reverify"] is True


def test_the_verifier_sees_the_rename_and_verifying_again_restores_the_badge(client, auth, scene):
    auth.login(scene["owner"])
    client.post("/empresa/perfil", data=form(legal_name="Banco Nacional S.A.A."))
    auth.logout()
    auth.login(scene["admin"])
    queue = client.get("/admin/empresas").get_data(as_text=True)  # «Por verificar» by default
    assert f'id="company-{scene["company"].id}"' in queue
    assert "cambió su razón social de «Electro Sur S.A.C.» a «Banco Nacional S.A.A.»" in queue
    assert "Pendiente de re-verificación" in queue
    client.post(f"/admin/empresas/{scene['company'].id}/verificar")
    company = db.session.get(Company, scene["company"].id)
    assert company.is_verified and not company.awaits_reverification
    assert "✓ Verificada" in client.get(f"/ofertas/{scene['opening'].id}").get_data(as_text=True)


def test_trade_name_and_logo_changes_keep_the_badge_and_are_shown_to_the_verifier(client, auth, scene):
    auth.login(scene["owner"])
    data = form(trade_name="Banco Nacional")
    data["logo"] = (io.BytesIO(PNG), "logo.png")
    response = client.post("/empresa/perfil", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    company = db.session.get(Company, scene["company"].id)
    assert company.is_verified and company.logo_path
    auth.logout()
    auth.login(scene["admin"])
    queue = client.get("/admin/empresas?estado=verificadas").get_data(as_text=True)
    assert "cambió su nombre comercial de «Electro Sur» a «Banco Nacional»" in queue
    assert "cambió su logo" in queue


def test_other_edits_of_a_verified_company_keep_the_badge(client, auth, scene):
    auth.login(scene["owner"])
    client.post("/empresa/perfil", data=form(address="Calle Nueva 5", legal_name=" Electro  Sur S.A.C. "))
    company = db.session.get(Company, scene["company"].id)
    assert company.is_verified and company.address == "Calle Nueva 5"


def test_renaming_an_unverified_company_changes_nothing_else(client, auth, app):
    company = factories.company(verified=False, legal_name="Nueva S.A.C.")
    auth.login(factories.employer(company))
    client.post("/empresa/perfil", data=form(legal_name="Otra S.A.C."))
    company = db.session.get(Company, company.id)
    assert company.verification_state == "unverified" and not company.awaits_reverification
