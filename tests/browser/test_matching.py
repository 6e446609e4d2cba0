"""A coordinator nominates a student in place and the employer sees the student under
"Recomendados por CETPRO"."""
import pytest
from playwright.sync_api import Page, expect

from tests import factories

pytestmark = pytest.mark.browser


def test_coordinator_nominates_and_employer_sees_the_recommendation(page: Page, log_in, live_server, browser_errors):
    cetpro = factories.cetpro(name="CETPRO Misti")
    factories.coordinator(cetpro, email="coord@misti.edu.pe")
    company = factories.company()
    factories.employer(company, email="rrhh@empresa.pe")
    opening = factories.opening(company, title="Electricista de planta")
    student = factories.student(cetpro, modules=2)

    log_in("coord@misti.edu.pe")
    page.get_by_role("link", name="Ver candidatos de tu CETPRO").click()
    candidate = page.locator(f"#candidate-{student.student.id}")
    expect(candidate).to_contain_text(student.last_names)
    expect(page.locator("#nomination-count")).to_contain_text("0 estudiantes recomendados")
    candidate.locator("summary", has_text="Nominar").click()
    candidate.get_by_label("Nota para la empresa (opcional)").fill("Excelente en tableros")
    candidate.get_by_role("button", name="Recomendar a la empresa").click()
    expect(candidate).to_contain_text("Nominado/a")
    expect(page.locator("#nomination-count")).to_contain_text("1 estudiante recomendado")
    page.get_by_role("button", name="Salir").click()

    log_in("rrhh@empresa.pe")
    page.goto(f"/empresa/ofertas/{opening.id}/recomendados")
    recommended = page.locator("#recommended")
    expect(recommended).to_contain_text(student.last_names)
    expect(recommended).to_contain_text("«Excelente en tableros»")
    recommended.get_by_role("button", name="Invitar a postular").first.click()
    expect(recommended).to_contain_text("Invitación enviada")
    assert browser_errors == []
