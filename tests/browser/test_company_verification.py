"""A coordinator verifies a partner company in place; its employer then sees the badge."""
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Company
from tests import factories

pytestmark = pytest.mark.browser

NO_REASON = "Escribe el motivo del rechazo: la empresa lo leerá para corregir sus datos."


def test_coordinator_verifies_a_company_in_place(page: Page, log_in, live_server: str, browser_errors):
    cetpro = factories.cetpro(name="CETPRO Yanahuara")
    factories.coordinator(cetpro, email="coordinadora@yanahuara.edu.pe")
    company = factories.company(verified=False, legal_name="Electro Sur S.A.C.")
    factories.employer(company, email="jefe@electrosur.pe")
    factories.convenio(cetpro, company)
    factories.company(verified=False, legal_name="Sin Convenio S.A.C.")  # not this CETPRO's to verify

    log_in("coordinadora@yanahuara.edu.pe")
    expect(page).to_have_url(f"{live_server}/coordinador")
    page.goto("/coordinador/empresas")
    queue = page.locator("#company-queue")
    expect(queue).to_contain_text("Electro Sur S.A.C.")
    expect(queue).not_to_contain_text("Sin Convenio")
    row = page.locator(f"#company-{company.id}")
    expect(row).to_contain_text("Sin verificar")
    expect(row).to_contain_text("Convenio de prácticas vigente")

    # Everything below happens in place: a full page load would drop this marker.
    page.evaluate("window.stillHere = true")

    # A rejection without a reason is explained beside the field, and changes nothing.
    browser_errors.allow_status(422, f"/coordinador/empresas/{company.id}/rechazar")
    row.get_by_role("button", name="Rechazar").click()
    expect(row.locator(".field-error")).to_have_text(NO_REASON)
    expect(row.get_by_label("Motivo del rechazo")).to_have_attribute("aria-invalid", "true")

    row.get_by_role("button", name="Verificar").click()
    expect(row.locator(".badge.verified")).to_have_text(f"✓ Verificada por {cetpro.name}")
    expect(row.get_by_role("button", name="Verificar")).to_have_count(0)
    expect(page.locator("#notices")).to_contain_text("Verificaste a Electro Sur S.A.C.")
    assert page.evaluate("window.stillHere") is True
    expect(page).to_have_url(f"{live_server}/coordinador/empresas")

    db.session.expire_all()
    assert db.session.scalar(select(Company.verification_state).where(Company.id == company.id)) == "verified"

    # The employer signs in and sees the badge on its dashboard and profile.
    page.get_by_role("button", name="Salir").click()
    log_in("jefe@electrosur.pe")
    expect(page).to_have_url(f"{live_server}/empresa")
    expect(page.locator("main").get_by_text(f"✓ Verificada por {cetpro.name}").first).to_be_visible()
    page.goto("/empresa/perfil")
    expect(page.locator("#company-identity .badge.verified")).to_have_text(f"✓ Verificada por {cetpro.name}")
    assert browser_errors == []
