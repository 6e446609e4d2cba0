"""An employer proposes a convenio to a CETPRO; its coordinator accepts it in place."""
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Convenio
from tests import factories

pytestmark = pytest.mark.browser


def test_employer_proposes_and_coordinator_accepts(page: Page, log_in, live_server: str, browser_errors):
    cetpro = factories.cetpro(name="CETPRO Yanahuara")
    factories.coordinator(cetpro, email="coordinadora@yanahuara.edu.pe")
    factories.cetpro(name="CETPRO Cayma")
    company = factories.company(verified=False, legal_name="Electro Sur S.A.C.")
    factories.employer(company, email="jefe@electrosur.pe")
    today = clock.today()

    log_in("jefe@electrosur.pe")
    expect(page).to_have_url(f"{live_server}/empresa")
    page.goto("/empresa/convenios")
    page.evaluate("window.stillHere = true")
    form = page.locator("#convenio-form")
    form.locator("summary").click()
    form.get_by_label("CETPRO").select_option(str(cetpro.id))
    form.get_by_label("Tipo de convenio").select_option("practicas")
    form.get_by_label("Desde").fill(today.isoformat())
    form.get_by_label("Hasta").fill((today + timedelta(days=365)).isoformat())
    form.get_by_label("Vacantes por periodo (opcional)").fill("4")
    form.get_by_role("button", name="Enviar propuesta").click()
    expect(page.locator("#notices")).to_contain_text("Enviamos tu propuesta a CETPRO Yanahuara")
    listing = page.locator("#convenio-list")
    expect(listing).to_contain_text("CETPRO Yanahuara")
    expect(listing).to_contain_text("Propuesto")
    expect(listing).to_contain_text("Esperando la respuesta de CETPRO Yanahuara")
    assert page.evaluate("window.stillHere") is True
    page.get_by_role("button", name="Salir").click()

    log_in("coordinadora@yanahuara.edu.pe")
    expect(page).to_have_url(f"{live_server}/coordinador")
    expect(page.locator("#notification-badge")).to_contain_text("1")
    page.goto("/coordinador/convenios")
    page.evaluate("window.stillHere = true")
    convenio_id = db.session.scalar(select(Convenio.id))
    item = page.locator(f"#convenio-{convenio_id}")
    expect(item).to_contain_text("Electro Sur S.A.C.")
    expect(page.locator("#convenio-list-title")).to_contain_text("1 por responder")
    item.get_by_role("button", name="Aceptar").click()
    expect(item.locator(".status-active")).to_have_text("Vigente")
    expect(item.get_by_role("button", name="Aceptar")).to_have_count(0)
    expect(page.locator("#notices")).to_contain_text("Aceptaste el convenio con Electro Sur S.A.C.")
    assert page.evaluate("window.stillHere") is True

    db.session.expire_all()
    assert db.session.scalar(select(Convenio.state)) == "active"
    assert browser_errors == []
