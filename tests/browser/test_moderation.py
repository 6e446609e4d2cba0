"""In a real browser: an admin goes from the notification about a report to the report itself,
and an employer publishes a draft from its edit page and deletes another after confirming."""
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from tests import factories
from tests.helpers.axe import assert_accessible

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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _report(page: Page, log_in, email: str, opening_id: int) -> None:
    log_in(email)
    page.goto(f"/ofertas/{opening_id}")
    page.get_by_text("Reportar esta oferta").click()
    page.get_by_label("¿Qué pasa con esta oferta?").select_option(label="Pide dinero o cobra por postular")
    page.get_by_label("Detalles (opcional)").fill(f"{email} dice: piden S/ 50 por la entrevista.")
    page.get_by_role("button", name="Enviar reporte").click()
    expect(page.locator("#opening-report")).to_contain_text("Gracias por avisarnos")
    page.get_by_role("button", name="Salir").click()


def test_three_reports_suspend_an_opening_and_an_admin_reinstates_it(page: Page, log_in, live_server, browser_errors):
    """Three people report → the opening suspends itself → the admin's queue says why (axe-clean
    on a phone and a desktop) → the admin publishes it again → applicants and employer are told."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Application, Notification, Opening

    factories.admin(email="admin@enlace.pe")
    company = factories.company(trade_name="Almacenes del Sur")
    factories.employer(company, email="jefa@almacenes.pe")
    opening = factories.opening(company, title="Ayudante de almacén")
    applicant = factories.student()
    factories.application(opening, applicant, state="in_review")
    reporters = [factories.student() for _ in range(3)]

    for person in reporters:
        _report(page, log_in, person.email, opening.id)
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).suspension_source == "automatic"
    page.goto(f"/ofertas/{opening.id}")
    expect(page.locator("#opening")).to_contain_text("Recibió 3 denuncias de personas distintas")

    log_in("admin@enlace.pe", then="/admin/denuncias")
    card = page.locator(".report").first
    expect(card).to_contain_text("Suspendida automáticamente: 3 denuncias")
    expect(page.locator(".report-history").first).to_contain_text("Historial de denuncias de esta oferta (3)")
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert_accessible(page, f"/admin/denuncias at {size['width']}px")

    card.get_by_text("Volver a publicar").first.click()
    card.get_by_label("Por qué (la empresa lo leerá)").fill("Revisamos: la empresa no cobra nada.")
    card.get_by_role("button", name="Volver a publicar", exact=True).click()
    expect(page.locator("#notices")).to_contain_text("La oferta vuelve a estar publicada")
    expect(page.locator(".report").first).to_contain_text("Descartada")
    assert_accessible(page, "/admin/denuncias after reinstating")

    db.session.expire_all()
    assert db.session.get(Opening, opening.id).state == "published"
    assert db.session.scalar(select(Application.state).where(Application.opening_id == opening.id)) == "received"
    kinds = {kind for kind, in db.session.execute(select(Notification.kind).where(
        Notification.user_id == applicant.id))}
    assert {"application-finished", "application-restored"} <= kinds
    page.get_by_role("button", name="Salir").click()
    log_in("jefa@almacenes.pe", then="/notificaciones")
    expect(page.locator("main")).to_contain_text("Tu oferta «Ayudante de almacén» vuelve a estar publicada")
    expect(page.locator("main")).to_contain_text("Tu oferta «Ayudante de almacén» fue suspendida")
    assert browser_errors == []
