"""An employer creates an opening, publishes it and closes it, in place, in a real browser."""
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from tests import factories

pytestmark = pytest.mark.browser


def test_employer_creates_publishes_and_closes_an_opening(page: Page, log_in, live_server, browser_errors):
    company = factories.company(verified=True, legal_name="Elecsur S.A.C.")
    factories.employer(company, email="jefa@elecsur.pe")
    log_in("jefa@elecsur.pe")
    expect(page).to_have_url(f"{live_server}/empresa")
    page.get_by_role("link", name="Nueva oferta").click()

    page.get_by_label("Título de la oferta").fill("Practicante de instalaciones eléctricas")
    page.get_by_label("Descripción").fill("Apoyo en instalaciones domiciliarias en Cayma.")
    page.get_by_label("Tipo").select_option("practicas_preprofesionales")
    page.get_by_label("Familia productiva").select_option(label="Electricidad y Electrónica")
    # The family's modules arrive in place.
    modules = page.get_by_label("Módulos requeridos")
    expect(modules).to_contain_text("Instalaciones eléctricas domiciliarias")
    modules.select_option(label="Instalaciones eléctricas domiciliarias")

    page.get_by_label("Departamento").select_option(label="Arequipa")
    expect(page.get_by_label("Provincia")).to_contain_text("Caylloma")  # provinces follow the department
    page.get_by_label("Provincia").select_option(label="Arequipa")

    page.get_by_label("Horas al día").fill("5")
    page.get_by_label("Horas a la semana").fill("20")
    # The legal minimum follows the hours as they are typed (Ley 28518).
    expect(page.locator("#legal-minimum")).to_contain_text("S/\xa0753.34")
    page.get_by_label("Pago mensual (S/)").fill("800")
    page.get_by_label("Fecha de inicio").fill((clock.today() + timedelta(days=40)).isoformat())
    page.get_by_label("Postulaciones hasta").fill((clock.today() + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Guardar borrador").click()

    expect(page.locator("#notices")).to_contain_text("Guardamos la oferta como borrador")
    page.get_by_role("link", name="← Panel de empresa").click()

    summary = page.locator("#opening-summary")
    expect(summary).to_contain_text("1Borrador")
    row = page.locator(".opening-row", has_text="Practicante de instalaciones eléctricas")
    row.get_by_role("button", name="Publicar").click()
    expect(row.locator(".badge.state")).to_have_text("Publicada")
    expect(summary).to_contain_text("1Publicada")  # counts changed without a reload
    expect(page.locator("#notices")).to_contain_text("Publicaste la oferta")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Cerrar").click()
    expect(row.locator(".badge.state")).to_have_text("Cerrada")
    expect(summary).to_contain_text("1Cerrada")
    assert browser_errors == []
