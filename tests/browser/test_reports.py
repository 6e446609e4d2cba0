"""A coordinator opens the inserción laboral report, filters it in place, and it prints clean."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.helpers.reports import World, report_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app) -> World:
    """The reports' world, whose figures are worked out by hand."""
    return report_world()


def graduates(page: Page):
    return page.locator("#report .stat b").first


def test_a_coordinator_changes_the_year_and_the_figures_change_in_place(
    page: Page, log_in, live_server: str, browser_errors, world
):
    log_in("coord.a@example.pe")
    page.goto("/coordinador/reportes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inserción laboral")
    expect(graduates(page)).to_have_text("9")
    expect(page.locator("#report")).to_contain_text("44.4%")
    expect(page.get_by_role("img", name="Tasa de colocación por programa")).to_be_visible()

    page.evaluate("window.__stillTheSamePage = true")
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))

    page.get_by_label("Año de egreso", exact=True).select_option("2025")

    expect(page.locator("#results-title")).to_contain_text("Egresados(as) de 2025")
    expect(graduates(page)).to_have_text("2")
    expect(page.locator("#report")).to_contain_text("50%")
    expect(page).to_have_url(re.compile(r"/coordinador/reportes\?anio=2025$"))
    # The change is announced: focus stays on the select, far from the figures.
    expect(page.locator("#results-status")).to_contain_text("Egresados(as) de 2025")
    expect(page.locator("#report").get_by_role("link", name="Descargar CSV")).to_have_attribute(
        "href", "/coordinador/reportes.csv?anio=2025")

    page.get_by_label("Programa de estudios", exact=True).select_option(label="Electricidad")
    expect(page.locator("#results-title")).to_contain_text("Egresados(as) de 2025 · Electricidad")
    expect(graduates(page)).to_have_text("2")
    assert page.evaluate("window.__stillTheSamePage === true"), "the filter reloaded the whole page"
    assert loads == [], f"full page loads while filtering: {loads}"

    # The pushed URL is the report: loading it anew shows the same figures and choices.
    page.reload()
    expect(page.get_by_label("Año de egreso", exact=True)).to_have_value("2025")
    expect(graduates(page)).to_have_text("2")
    assert browser_errors == []


def test_the_report_fits_a_phone_and_prints_without_the_controls(
    page: Page, log_in, live_server: str, browser_errors, world
):
    log_in("coord.a@example.pe")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/coordinador/reportes")
    expect(graduates(page)).to_have_text("9")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways on a phone by {overflow}px"
    # One chart unit is about one pixel: the 13 px labels are not shrunk.
    chart = page.get_by_role("img", name="Tasa de colocación por programa")
    scale = chart.bounding_box()["width"] / float(chart.get_attribute("width"))
    assert scale >= 0.95, f"charts are drawn at {scale:.2f} of their size on a phone"

    page.emulate_media(media="print")
    expect(page.locator("#report-filters")).to_be_hidden()
    expect(page.locator(".report-exports")).to_be_hidden()
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator("#results-title")).to_contain_text("CETPRO Santa Rosa")
    expect(page.locator("#report")).to_contain_text("Generado el")
    assert browser_errors == []


def test_an_admin_narrows_the_report_to_a_department_and_then_a_cetpro(
    page: Page, log_in, live_server: str, browser_errors, world
):
    log_in("admin.reportes@example.pe")
    expect(page).to_have_url(re.compile(r"/admin"))
    page.goto("/admin/reportes")
    expect(graduates(page)).to_have_text("12")

    page.get_by_label("Departamento", exact=True).select_option(label="Arequipa")
    expect(page.locator("#results-title")).to_contain_text("CETPRO de Arequipa")
    expect(graduates(page)).to_have_text("11")
    cetpros = page.get_by_label("CETPRO", exact=True)
    expect(cetpros.locator("option")).to_have_text(
        ["Todos los CETPRO del departamento", "CETPRO Misti", "CETPRO Santa Rosa"])

    cetpros.select_option(label="CETPRO Misti")
    expect(page.locator("#results-title")).to_contain_text("CETPRO Misti")
    expect(graduates(page)).to_have_text("2")
    expect(page).to_have_url(re.compile(rf"/admin/reportes\?departamento=04&cetpro={world.b.id}$"))
    assert browser_errors == []
