"""A coordinator imports a small CSV, sees the preview with its counts, confirms and finds the
students in the list and in the updated report; then works the verification queue in place."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.helpers.roster import csv_bytes, row

pytestmark = pytest.mark.browser


def test_coordinator_imports_a_csv_and_finds_the_students(page: Page, log_in, live_server, browser_errors, tmp_path):
    cetpro = factories.cetpro(name="CETPRO Arequipa")
    factories.coordinator(cetpro, email="coord@arequipa.pe")
    file = tmp_path / "estudiantes.csv"
    file.write_bytes(csv_bytes([
        row(1, first_names="Rosa", last_names="Apaza"),
        row(2, first_names="Luis", last_names="Ccori", status="estudiante", graduation_date=""),
        row(3, dni="123", first_names="Mal", last_names="Escrito"),
    ], delimiter=";", bom=True))

    log_in("coord@arequipa.pe")
    page.goto("/coordinador/reportes")
    expect(page.locator("#report")).to_contain_text("No encontramos egresados(as)")
    page.goto("/coordinador/estudiantes")
    page.get_by_role("link", name="Importar estudiantes").click()
    page.get_by_label("Archivo CSV o XLSX").set_input_files(str(file))
    page.evaluate("window.sameDocument = true")  # gone if a full page load happens
    page.get_by_role("button", name="Revisar archivo").click()

    area = page.locator("#roster-import")
    expect(area).to_contain_text("Vista previa de «estudiantes.csv»")
    counts = page.locator("#import-counts .stat")
    expect(counts.nth(0)).to_have_text("2nuevos")
    expect(counts.nth(1)).to_have_text("0se actualizarán")
    expect(counts.nth(2)).to_have_text("1con errores")
    expect(area).to_contain_text("El DNI tiene 8 dígitos; ingresaste 3.")
    expect(page).to_have_url(re.compile(r"/coordinador/estudiantes/importar\?vista="))

    area.get_by_role("button", name="Confirmar e importar 2 filas").click()
    expect(area).to_contain_text("Importación terminada")
    expect(page.locator("#notices")).to_contain_text("Importación lista: 2 estudiantes nuevos")
    assert page.evaluate("window.sameDocument") is True  # preview and result were swapped in place

    area.get_by_role("link", name="Ver estudiantes").click()
    results = page.locator("#roster-results")
    expect(results).to_contain_text("2 estudiantes")
    expect(results.locator("tbody th")).to_have_text(["Apaza, Rosarosa1@correo.pe", "Ccori, Luisrosa2@correo.pe"])

    # The inserción laboral report now counts the imported graduate.
    page.goto("/coordinador/reportes")
    expect(page.locator("#report .stat", has_text="Egresados(as)").first).to_have_text("1Egresados(as)")
    assert browser_errors == []


def test_coordinator_works_the_verification_queue_in_place(page: Page, log_in, live_server, browser_errors):
    cetpro = factories.cetpro(name="CETPRO Arequipa")
    factories.coordinator(cetpro, email="coord@arequipa.pe")
    factories.student(cetpro)
    pending = [factories.student(cetpro, verified=False, status="estudiante") for _ in range(2)]

    log_in("coord@arequipa.pe")
    page.goto("/coordinador/estudiantes")
    tabs = page.locator("#roster-counts")
    expect(tabs).to_contain_text("Por verificar 2")
    tabs.get_by_text("Por verificar").click()
    expect(page).to_have_url(re.compile(r"verificacion=pendiente"))
    results = page.locator("#roster-results")
    expect(results).to_contain_text("2 estudiantes · por verificar")

    first = page.locator(f"#student-{pending[0].student.id}")
    first.get_by_role("button", name=re.compile("^Verificar")).click()
    expect(first.locator(".badge")).to_have_text("Verificado(a)")
    expect(tabs).to_contain_text("Por verificar 1")
    expect(page.locator("#notices")).to_contain_text("Verificaste a")

    second = page.locator(f"#student-{pending[1].student.id}")
    second.locator("summary", has_text="Rechazar").click()
    second.get_by_label("Motivo del rechazo").fill("No figura en las actas de matrícula")
    second.get_by_role("button", name="Confirmar rechazo").click()
    expect(second.locator(".badge")).to_have_text("Rechazado(a)")
    expect(second).to_contain_text("Motivo: No figura en las actas de matrícula")
    expect(tabs).to_contain_text("Por verificar 0")
    expect(tabs).to_contain_text("Rechazados 1")

    page.get_by_label("Buscar").fill(pending[0].last_names)
    expect(page).to_have_url(re.compile(r"q="))
    expect(results).to_contain_text("0 estudiantes")  # still on «Por verificar», where nobody is left
    assert browser_errors == []
