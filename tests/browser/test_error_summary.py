"""The error summary on a phone (390×844): after a failed submit focus is on it, it names
each field, and following a link focuses that field — with JavaScript, without it, and
after an htmx 422 swap."""
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from tests import factories

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fill_opening_with_bad_hours_and_pay(page: Page) -> None:
    page.goto("/empresa/ofertas/nueva")
    page.get_by_label("Título de la oferta").fill("Practicante de instalaciones eléctricas")
    page.get_by_label("Descripción").fill("Apoyo en instalaciones domiciliarias en Cayma.")
    page.get_by_label("Tipo").select_option("empleo")
    page.get_by_label("Familia productiva").select_option(label="Electricidad y Electrónica")
    page.get_by_label("Horas al día").fill("8")
    page.get_by_label("Horas a la semana").fill("100")
    page.get_by_label("Pago mensual (S/)").fill("-5")
    page.get_by_label("Fecha de inicio").fill((clock.today() + timedelta(days=40)).isoformat())
    page.get_by_label("Postulaciones hasta").fill((clock.today() + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Guardar borrador").click()


def _summary_has_focus_and_leads_to_the_fields(page: Page, script: bool) -> None:
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("heading")).to_have_text("Corrige estos 2 datos")
    hours = summary.get_by_role("link", name="Horas a la semana: Entre 1 y 84 horas.")
    pay = summary.get_by_role("link", name="Pago mensual (S/): Escribe un monto entre 0 y 100,000.")
    expect(hours).to_be_visible()
    expect(pay).to_be_visible()
    # The fields are far below the first screen: focus left on <body> found nothing.
    assert page.get_by_label("Horas a la semana").bounding_box()["y"] > PHONE["height"]

    hours.click()
    expect(page.get_by_label("Horas a la semana")).to_be_focused()
    expect(page.get_by_label("Horas a la semana")).to_be_in_viewport()
    if script:  # static/app.js keeps the label in view above the field, as GOV.UK does
        expect(page.locator("label[for=hours_per_week]")).to_be_in_viewport()
    page.locator(".error-summary").focus()
    pay.click()
    expect(page.get_by_label("Pago mensual (S/)")).to_be_focused()


def test_opening_form_errors_take_focus_and_lead_to_each_field(page: Page, log_in, browser_errors):
    factories.employer(factories.company(verified=True), email="jefa@elecsur.pe")
    page.set_viewport_size(PHONE)
    log_in("jefa@elecsur.pe")
    browser_errors.allow_status(422, "/empresa/ofertas/nueva")
    _fill_opening_with_bad_hours_and_pay(page)
    _summary_has_focus_and_leads_to_the_fields(page, script=True)
    assert browser_errors == []


def test_without_javascript_too(browser, live_server):
    factories.employer(factories.company(verified=True), email="jefa@elecsur.pe")
    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport=PHONE, locale="es-PE")
    try:
        page = context.new_page()
        page.goto("/ingresar")
        page.get_by_label("Correo").fill("jefa@elecsur.pe")
        page.get_by_label("Contraseña").fill(factories.PASSWORD)
        page.get_by_role("button", name="Ingresar").click()
        page.wait_for_url(f"{live_server}/empresa")
        _fill_opening_with_bad_hours_and_pay(page)
        _summary_has_focus_and_leads_to_the_fields(page, script=False)
    finally:
        context.close()


def test_after_an_htmx_swap_focus_is_on_the_summary(page: Page, log_in, browser_errors):
    factories.student(email="rosa@example.pe")
    page.set_viewport_size(PHONE)
    log_in("rosa@example.pe")
    page.goto("/estudiante/perfil")
    reloads: list[str] = []
    page.on("request", lambda request: request.resource_type == "document" and reloads.append(request.url))
    browser_errors.allow_status(422, "/estudiante/perfil")
    page.get_by_label("Celular").fill("12345")
    page.get_by_role("button", name="Guardar perfil").click()

    summary = page.locator("#student-profile-form .error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    link = summary.get_by_role("link", name="Celular: El celular tiene 9 dígitos")
    link.click()
    expect(page.get_by_label("Celular")).to_be_focused()
    assert reloads == []  # swapped in place by htmx, not a page load
    assert browser_errors == []
