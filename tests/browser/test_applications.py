"""A student applies and withdraws; an employer moves an applicant to Finalista and then
Seleccionado/a with counts changing in place; the student sees each change."""
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from tests import factories

pytestmark = pytest.mark.browser


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Salir").click()


def test_student_applies_and_withdraws_in_place(page: Page, log_in, live_server, browser_errors):
    opening = factories.opening(title="Electricista de mantenimiento")
    factories.student(email="est.rosa@example.pe")
    log_in("est.rosa@example.pe")
    page.goto(f"/ofertas/{opening.id}")
    area = page.locator("#apply-area")
    area.get_by_role("button", name="Postular").click()
    expect(area).to_contain_text("Postulación enviada")
    expect(area).to_contain_text("Recibida")
    expect(page.locator("#notices")).to_contain_text("Postulación enviada")
    page.once("dialog", lambda dialog: dialog.accept())
    area.get_by_role("button", name="Retirar postulación").click()
    expect(area).to_contain_text("Retiraste tu postulación")
    assert browser_errors == []


def test_employer_moves_an_applicant_and_the_student_sees_it(page: Page, log_in, live_server, browser_errors):
    company = factories.company()
    factories.employer(company, email="jefa@empresa.pe")
    opening = factories.opening(company, title="Técnico electricista")
    student = factories.student(email="est.luis@example.pe")
    factories.application(opening, student, "in_review")

    log_in("jefa@empresa.pe")
    page.goto(f"/empresa/ofertas/{opening.id}/postulantes")
    counts = page.locator("#pipeline-counts")
    expect(counts).to_contain_text("En evaluación 1")
    row = page.locator(".applicant").first
    row.get_by_role("button", name="Marcar finalista").click()
    expect(row.locator(".badge.state")).to_have_text("Finalista")
    expect(counts).to_contain_text("Finalista 1")
    expect(counts).to_contain_text("En evaluación 0")

    row.locator("summary", has_text="Seleccionar").click()
    row.get_by_label("Fecha de inicio").fill((clock.today() + timedelta(days=7)).isoformat())
    row.get_by_role("button", name="Confirmar selección").click()
    expect(row.locator(".badge.state")).to_have_text("Seleccionado/a")
    expect(counts).to_contain_text("Seleccionado/a 1")
    log_out(page)

    log_in("est.luis@example.pe")
    expect(page.locator("#notification-badge")).to_contain_text("2")
    page.goto("/estudiante/postulaciones")
    expect(page.locator("#my-applications")).to_contain_text("Seleccionado/a")
    assert browser_errors == []
