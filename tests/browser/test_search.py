"""A visitor searches the openings: results narrow in place, the URL can be shared,
and the same form works with JavaScript off."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.browser

AREQUIPA, LIMA = "04", "15"


@pytest.fixture
def openings():
    """Three published openings, one draft that must never show."""
    cocina = factories.opening(
        title="Ayudante de cocina", description="Preparación de menús en restaurante turístico.",
        department_code=AREQUIPA, province_code="0401",
    )
    cocina.family_id = factories.family("Hostelería y Turismo").id
    factories.opening(title="Electricista de mantenimiento", department_code=AREQUIPA, province_code="0401")
    factories.opening(title="Electricista instalador", department_code=LIMA, province_code="1501")
    factories.opening(title="Electricista en borrador", state="draft", department_code=LIMA, province_code="1501")
    db.session.commit()


def result_titles(page: Page):
    return page.locator("#opening-results li.opening h3")


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_search_narrows_results_in_place_and_the_url_is_shareable(
    page: Page, live_server: str, browser_errors, openings
):
    page.goto("/ofertas")
    results = page.locator("#opening-results")
    titles = result_titles(page)
    expect(titles).to_have_count(3)
    expect(results.get_by_role("heading", level=2)).to_have_text("3 ofertas")

    # Anything that reloads the page would wipe this flag.
    page.evaluate("window.__stillTheSamePage = true")
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))

    page.get_by_label("Buscar").press_sequentially("electricista", delay=30)

    expect(results.get_by_role("heading", level=2)).to_have_text("2 ofertas para «electricista»")
    expect(titles).to_have_text(["Electricista instalador", "Electricista de mantenimiento"])
    expect(page).to_have_url(re.compile(r"/ofertas\?.*\bq=electricista\b"))
    assert page.evaluate("window.__stillTheSamePage === true"), "the search reloaded the whole page"

    # A filter narrows further, in place too.
    page.get_by_label("Departamento").select_option(label="Lima")

    expect(results.get_by_role("heading", level=2)).to_have_text("1 oferta para «electricista»")
    expect(titles).to_have_text(["Electricista instalador"])
    expect(page).to_have_url(re.compile(r"\bdepartamento=15\b"))
    assert page.evaluate("window.__stillTheSamePage === true"), "the filter reloaded the whole page"
    assert loads == [], f"full page loads during the search: {loads}"
    shared = page.url
    assert query_of(shared)["q"] == ["electricista"]

    # The pushed URL is shareable: loading it from scratch shows the same results,
    # with the form filled in as the person left it.
    page.reload()
    expect(titles).to_have_text(["Electricista instalador"])
    expect(page.get_by_label("Buscar")).to_have_value("electricista")
    expect(page.get_by_label("Departamento")).to_have_value(LIMA)

    other = page.context.new_page()
    other.goto(shared)
    expect(result_titles(other)).to_have_text(["Electricista instalador"])
    other.close()

    # Back goes to the previous state of the search.
    page.go_back()
    expect(titles).to_have_count(2)
    assert browser_errors == []


def test_family_filter_and_no_results(page: Page, live_server: str, browser_errors, openings):
    page.goto("/ofertas")
    titles = result_titles(page)
    expect(titles).to_have_count(3)

    page.get_by_label("Familia productiva").select_option(label="Hostelería y Turismo")
    expect(titles).to_have_text(["Ayudante de cocina"])
    expect(page).to_have_url(re.compile(r"\bfamilia=\d+"))

    page.get_by_label("Buscar").press_sequentially("soldador", delay=30)
    expect(page.locator("#opening-results")).to_contain_text("No encontramos ofertas con estos criterios.")
    expect(titles).to_have_count(0)
    assert browser_errors == []


def test_search_works_without_javascript(new_context, live_server: str, openings):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("/ofertas")
    expect(result_titles(page)).to_have_count(3)

    page.get_by_label("Buscar").fill("electricista")
    page.get_by_label("Departamento").select_option(label="Arequipa")
    page.get_by_role("button", name="Buscar").click()

    expect(page).to_have_url(re.compile(r"/ofertas\?.*\bq=electricista\b.*\bdepartamento=04\b"))
    expect(page.locator("#opening-results h2")).to_have_text("1 oferta para «electricista»")
    expect(result_titles(page)).to_have_text(["Electricista de mantenimiento"])
    expect(page.get_by_label("Buscar")).to_have_value("electricista")


def test_the_province_select_follows_the_department(page: Page, live_server: str, browser_errors):
    factories.opening(title="Guía en Cusco", department_code="08", province_code="0801")
    factories.opening(title="Guía en Urubamba", department_code="08", province_code="0813")
    factories.opening(title="Guía en Lima", department_code=LIMA, province_code="1501")
    page.goto("/ofertas")
    titles = result_titles(page)
    expect(titles).to_have_count(3)
    province = page.get_by_label("Provincia")
    expect(province.locator("option")).to_have_count(1)

    page.get_by_label("Departamento").select_option(label="Cusco")
    expect(titles).to_have_count(2)
    expect(province.locator("option", has_text="Urubamba")).to_have_count(1)
    province.select_option(label="Urubamba")
    expect(titles).to_have_text(["Guía en Urubamba"])
    expect(page).to_have_url(re.compile(r"/ofertas\?departamento=08&provincia=0813$"))

    # Another department: the provinces are Lima's now and the old province is gone from the URL.
    page.get_by_label("Departamento").select_option(label="Lima")
    expect(titles).to_have_text(["Guía en Lima"])
    expect(province.locator("option", has_text="Urubamba")).to_have_count(0)
    expect(province.locator("option", has_text="Huaral")).to_have_count(1)
    expect(province).to_have_value("")
    expect(page).to_have_url(re.compile(r"/ofertas\?departamento=15$"))
    assert browser_errors == []


def test_see_more_appends_the_next_page_in_place(page: Page, live_server: str, browser_errors):
    for n in range(23):
        factories.opening(title=f"Oferta {n:02d}")
    page.goto("/ofertas")
    titles = result_titles(page)
    expect(titles).to_have_count(20)
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_role("link", name="Ver más ofertas").click()
    expect(titles).to_have_count(23)
    expect(page.get_by_role("link", name="Ver más ofertas")).to_have_count(0)
    assert page.evaluate("window.__stillTheSamePage === true"), "Ver más reloaded the page"
    # The first new result takes the focus the button had.
    expect(page.locator("#opening-list li.opening").nth(20).locator("a")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/ofertas$"))  # loading more is not a new list to share
    assert browser_errors == []


def test_numbered_pages_without_javascript(new_context, live_server: str):
    for n in range(23):
        factories.opening(title=f"Oferta {n:02d}")
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("/ofertas")
    expect(result_titles(page)).to_have_count(20)
    page.get_by_role("link", name="Página 2").click()
    expect(page).to_have_url(re.compile(r"/ofertas\?pagina=2$"))
    expect(result_titles(page)).to_have_count(3)


PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_first_result_is_on_the_first_screen(page: Page, live_server: str, browser_errors, openings):
    """The seven filters used to fill the first screen (results began at y≈764 of 844): they
    fold into "Filtros (n)", which opens, counts and filters in place, and stays open when
    a shared URL sets a filter."""
    page.set_viewport_size(PHONE)
    page.goto("/ofertas")
    first = page.locator("#opening-list li.opening").first.bounding_box()
    assert first is not None and first["y"] + first["height"] <= PHONE["height"], first
    department = page.get_by_label("Departamento")
    expect(department).to_be_hidden()
    summary = page.locator("#opening-search summary")
    expect(summary).to_have_text("Filtros")

    summary.click()
    department.select_option(label="Lima")
    expect(result_titles(page)).to_have_text(["Electricista instalador"])
    expect(summary).to_have_text("Filtros (1)")
    page.get_by_label("Tipo").select_option(label="Empleo")
    expect(summary).to_have_text("Filtros (2)")
    expect(page).to_have_url(re.compile(r"\bdepartamento=15\b"))

    page.reload()
    expect(department).to_be_visible()
    expect(summary).to_have_text("Filtros (2)")
    assert browser_errors == []


def test_on_a_phone_the_filters_open_and_apply_without_javascript(new_context, live_server: str, openings):
    context = new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto("/ofertas")
    page.locator("#opening-search summary").click()
    page.get_by_label("Departamento").select_option(label="Arequipa")
    page.get_by_role("button", name="Buscar").click()
    expect(page).to_have_url(re.compile(r"/ofertas\?.*\bdepartamento=04\b"))
    expect(result_titles(page)).to_have_count(2)
    expect(page.locator("#opening-search summary")).to_have_text("Filtros (1)")
    expect(page.get_by_label("Departamento")).to_be_visible()


def test_a_card_tells_a_signed_in_student_whether_she_may_apply(page: Page, live_server: str, log_in,
                                                                browser_errors):
    """A graduate saw prácticas preprofesionales cards (for current students only) with no hint."""
    factories.opening(title="Practicante de tableros", kind="practicas_preprofesionales", hours_per_day=6,
                      hours_per_week=30, pay_monthly=1130)
    factories.student(email="egresada@example.pe", status="egresado")
    factories.student(email="estudiante@example.pe", status="estudiante")
    card = page.locator("li.opening", has_text="Practicante de tableros")  # its text as seen (innerText)

    page.goto("/ofertas")
    expect(card.locator(".audience")).to_have_text("Solo estudiantes", use_inner_text=True)

    log_in("egresada@example.pe")
    page.goto("/ofertas")
    expect(card.locator(".audience")).to_have_text("Solo estudiantes · no puedes postular", use_inner_text=True)
    page.get_by_role("button", name="Salir").click()

    log_in("estudiante@example.pe")
    page.goto("/ofertas")
    expect(card.locator(".audience")).to_have_text("Solo estudiantes · ✓ puedes postular", use_inner_text=True)
    assert browser_errors == []
