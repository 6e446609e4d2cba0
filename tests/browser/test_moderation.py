"""In a real browser: an admin goes from the notification about a report to the report itself,
and an employer publishes a draft from its edit page and deletes another after confirming."""
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from tests import factories

pytestmark = pytest.mark.browser


def test_an_admin_follows_the_notification_to_the_report(page: Page, log_in, live_server, browser_errors):
    factories.admin(email="admin@enlace.pe")
    opening = factories.opening(title="Ayudante de almacén")
    page.goto(f"/ofertas/{opening.id}")
    page.get_by_text("Reportar esta oferta").click()
    page.get_by_label("¿Qué pasa con esta oferta?").select_option(label="Pide dinero o cobra por postular")
    page.get_by_label("Detalles (opcional)").fill("Me pidieron S/ 50 para el examen médico.")
    page.get_by_role("button", name="Enviar reporte").click()
    expect(page.locator("#opening-report")).to_contain_text("Gracias por avisarnos")

    log_in("admin@enlace.pe")
    page.get_by_role("link", name="Denuncia abierta").click()
    expect(page).to_have_url(f"{live_server}/admin/denuncias")
    expect(page.locator(".report")).to_contain_text("Me pidieron S/ 50 para el examen médico.")
    page.goto("/notificaciones")
    page.get_by_role("button", name="Reportaron la oferta", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Denuncia sobre «Ayudante de almacén»")
    expect(page.locator(".report")).to_contain_text("Anónimo (sin cuenta)")
    page.get_by_role("link", name="Abrir la oferta").click()
    expect(page).to_have_url(f"{live_server}/ofertas/{opening.id}")
    expect(page.get_by_text("Suspender esta oferta")).to_be_visible()
    assert browser_errors == []


def test_an_employer_publishes_a_draft_from_its_edit_page_and_deletes_another(page: Page, log_in, live_server,
                                                                               browser_errors):
    company = factories.company(verified=True)
    factories.employer(company, email="jefa@elecsur.pe")
    draft = factories.opening(company, state="draft", title="Electricista de planta",
                              deadline=clock.today() + timedelta(days=10))
    spare = factories.opening(company, state="draft", title="Borrador que sobra")
    log_in("jefa@elecsur.pe", then=f"/empresa/ofertas/{draft.id}/editar")

    page.get_by_label("Título de la oferta").fill("Electricista de planta industrial")
    page.get_by_role("button", name="Publicar", exact=True).click()
    expect(page).to_have_url(f"{live_server}/ofertas/{draft.id}")
    expect(page.locator("#notices")).to_contain_text("Publicaste la oferta")
    expect(page.get_by_role("heading", level=1)).to_have_text("Electricista de planta industrial")

    page.goto("/empresa")
    row = page.locator(".opening-row", has_text="Borrador que sobra")
    row.get_by_role("link", name="Eliminar").click()
    expect(page).to_have_url(f"{live_server}/empresa/ofertas/{spare.id}/eliminar")
    page.get_by_role("button", name="Sí, eliminar el borrador").click()
    expect(page).to_have_url(f"{live_server}/empresa")
    expect(page.locator("#notices")).to_contain_text("Eliminaste el borrador «Borrador que sobra».")
    expect(page.locator(".opening-row", has_text="Borrador que sobra")).to_have_count(0)
    assert browser_errors == []
