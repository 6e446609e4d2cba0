"""axe-core finds no violations on the main pages of every role, nor after the htmx swaps
people make; the listing works from the keyboard with visible focus; and swaps that change
content away from the focus are announced from an aria-live region that was already there.

axe runs through tests/helpers/axe.py (shared with test_accessibility_busy.py, which checks
the same pages with many rows).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Opening, OpeningReport
from portal.seed.demo import ADMIN_EMAIL, COORDINATOR_EMAIL, EMPLOYER_EMAIL, STUDENT_EMAIL
from tests import factories
from tests.helpers.axe import Audit, assert_accessible
from tests.helpers.demo_pages import company_of, demo_world, main_pages

pytestmark = pytest.mark.browser

LIVE = "[aria-live], [role=status], [role=alert], [role=log]"


# --- data and sign-in ----------------------------------------------------------------

@pytest.fixture
def demo(app):
    """The `flask seed demo` world: every state a page can show, its known accounts."""
    return demo_world()


# --- every main page, by role (the list lives in tests/helpers/demo_pages.py) ---------------

def test_public_pages_have_no_axe_violations(page: Page, live_server, browser_errors, demo):
    audit = Audit(page)
    audit.visit(*main_pages("public", demo))
    browser_errors.allow_status(404, "/ofertas/999999")
    page.goto("/ofertas/999999")
    audit.check("/ofertas/999999 (404 page)")
    audit.assert_clean()
    assert browser_errors == []


def test_student_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, demo):
    log_in(STUDENT_EMAIL)
    audit = Audit(page)
    audit.visit(*main_pages("student", demo))
    browser_errors.allow_status(403, "/empresa")
    page.goto("/empresa")
    audit.check("/empresa as a student (403 page)")
    audit.assert_clean()
    assert browser_errors == []


def test_employer_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, demo):
    log_in(EMPLOYER_EMAIL)
    audit = Audit(page)
    audit.visit(*main_pages("employer", demo))
    page.get_by_role("button", name="Salir").click()
    factories.employer(company_of(demo["employer"]), email="pendiente@empresa.pe", state="pending")
    log_in("pendiente@empresa.pe")
    audit.check("/empresa while the membership is pending")
    audit.assert_clean()
    assert browser_errors == []


def test_coordinator_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, demo):
    log_in(COORDINATOR_EMAIL)
    audit = Audit(page)
    audit.visit(*main_pages("coordinator", demo))
    audit.assert_clean()
    assert browser_errors == []


def test_admin_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, demo):
    log_in(ADMIN_EMAIL)
    audit = Audit(page)
    audit.visit(*main_pages("admin", demo))
    audit.assert_clean()
    assert browser_errors == []


def test_moderation_and_draft_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, demo):
    report = db.session.scalar(select(OpeningReport).order_by(OpeningReport.id))
    draft = db.session.scalar(select(Opening).where(Opening.company_id == company_of(demo["employer"]).id,
                                                    Opening.state == "draft").order_by(Opening.id))
    log_in(ADMIN_EMAIL)
    audit = Audit(page)
    audit.visit("/admin/denuncias", f"/admin/denuncias/{report.id}")
    page.get_by_role("button", name="Salir").click()
    log_in(EMPLOYER_EMAIL)
    audit.visit(f"/empresa/ofertas/{draft.id}/editar", f"/empresa/ofertas/{draft.id}/eliminar")
    audit.assert_clean()
    assert browser_errors == []


# --- after htmx swaps ---------------------------------------------------------------------

def test_search_results_after_a_swap_have_no_axe_violations(page: Page, live_server, browser_errors, demo):
    page.goto("/ofertas")
    heading = page.locator("#results-title")
    before = heading.text_content()
    page.get_by_label("Buscar").press_sequentially("electric", delay=20)
    expect(heading).not_to_have_text(before)
    expect(heading).to_contain_text("«electric»")
    assert_accessible(page, "/ofertas after typing a search")

    page.get_by_label("Departamento").select_option(label="Lima")
    expect(page).to_have_url(re.compile(r"\bdepartamento=15\b"))
    expect(page.locator("#opening-results")).to_be_visible()
    assert_accessible(page, "/ofertas after choosing a filter")
    assert browser_errors == []


def test_applying_leaves_no_axe_violations(page: Page, log_in, live_server, browser_errors, app):
    opening = factories.opening(title="Electricista de mantenimiento")
    factories.student(email="est.rosa@example.pe")
    log_in("est.rosa@example.pe")
    page.goto(f"/ofertas/{opening.id}")
    area = page.locator("#apply-area")
    area.get_by_role("button", name="Postular").click()
    expect(area).to_contain_text("Postulación enviada")
    expect(page.locator("#notices")).to_contain_text("Postulación enviada")
    assert_accessible(page, "opening page after applying")
    assert browser_errors == []


def test_moving_an_applicant_leaves_no_axe_violations(page: Page, log_in, live_server, browser_errors, app):
    company = factories.company()
    factories.employer(company, email="jefa@empresa.pe")
    opening = factories.opening(company, title="Técnico electricista")
    factories.application(opening, factories.student(), "in_review")
    factories.application(opening, factories.student(), "received")
    log_in("jefa@empresa.pe")
    page.goto(f"/empresa/ofertas/{opening.id}/postulantes")
    row = page.locator(".applicant").filter(has=page.get_by_role("button", name="Marcar finalista")).first
    row.get_by_role("button", name="Marcar finalista").click()
    expect(page.locator("#pipeline-counts")).to_contain_text("Finalista 1")
    assert_accessible(page, "pipeline after moving an applicant")
    assert browser_errors == []


def test_nominating_leaves_no_axe_violations(page: Page, log_in, live_server, browser_errors, app):
    cetpro = factories.cetpro(name="CETPRO Misti")
    factories.coordinator(cetpro, email="coord@misti.edu.pe")
    opening = factories.opening(title="Electricista de planta")
    student = factories.student(cetpro, modules=2)
    log_in("coord@misti.edu.pe")
    page.goto(f"/coordinador/ofertas/{opening.id}/candidatos")
    candidate = page.locator(f"#candidate-{student.student.id}")
    candidate.locator("summary", has_text="Nominar").click()
    assert_accessible(page, "candidates with the nominate form open")
    candidate.get_by_role("button", name="Recomendar a la empresa").click()
    expect(candidate).to_contain_text("Nominado/a")
    assert_accessible(page, "candidates after nominating")
    assert browser_errors == []


def test_a_form_with_validation_errors_has_no_axe_violations(page: Page, log_in, live_server, browser_errors, app):
    browser_errors.allow_status(422, "/registro/estudiante")
    page.goto("/registro/estudiante")
    page.get_by_role("button", name="Crear mi cuenta").click()
    expect(page.locator(".field-error").first).to_be_visible()
    assert_accessible(page, "/registro/estudiante with errors")

    company = factories.company()
    factories.employer(company, email="jefa@empresa.pe")
    log_in("jefa@empresa.pe")
    browser_errors.allow_status(422, "/empresa/ofertas/nueva")
    page.goto("/empresa/ofertas/nueva")
    page.locator("#opening-form").get_by_role("button").last.click()
    expect(page.locator(".field-error").first).to_be_visible()
    assert_accessible(page, "/empresa/ofertas/nueva with errors")
    assert browser_errors == []


def test_more_results_and_a_failed_sign_in_have_no_axe_violations(page: Page, live_server, browser_errors, app):
    company = factories.company()
    for n in range(22):
        factories.opening(company, title=f"Operario de planta {n + 1}")
    page.goto("/ofertas")
    more = page.get_by_role("link", name="Ver más ofertas")
    more.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#opening-list li.opening")).to_have_count(22)
    # The first appended result takes the focus the "Ver más" link had.
    expect(page.locator("#opening-list li.opening").nth(20).get_by_role("link")).to_be_focused()
    assert_accessible(page, "/ofertas after «Ver más ofertas»")

    browser_errors.allow_status(422, "/ingresar")
    page.goto("/ingresar")
    page.get_by_label("Correo").fill("nadie@example.pe")
    page.get_by_label("Contraseña").fill("equivocada-123")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.locator(".field-error, .notice.error").first).to_be_visible()
    assert_accessible(page, "/ingresar after a wrong password")
    assert browser_errors == []


# --- keyboard and announcements --------------------------------------------------------------

FOCUS_STATE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
        id: el.id, tag: el.tagName, href: el.getAttribute("href") || "",
        inOpenings: !!el.closest("#opening-list"),
        visible: el.matches(":focus-visible") && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    };
}"""


def test_the_listing_works_from_the_keyboard_with_visible_focus(page: Page, live_server, browser_errors, demo):
    page.goto("/ofertas")
    reached: dict[str, dict] = {}
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state["id"] == "q":
            reached.setdefault("search", state)
        elif state["tag"] == "SELECT":
            reached.setdefault("filter", state)
        elif state["inOpenings"] and state["href"].startswith("/ofertas/"):
            reached.setdefault("opening", state)
            break
    assert set(reached) == {"search", "filter", "opening"}, f"tabbing reached only {reached}"
    invisible = {name: state for name, state in reached.items() if not state["visible"]}
    assert not invisible, f"focus is not visible on {invisible}"

    # The skip link is the first stop and moves the focus past the header.
    page.goto("/ofertas")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Saltar al contenido")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # Enter on a focused opening link opens it.
    page.goto("/ofertas")
    page.locator("#opening-list a").first.focus()
    href = page.locator("#opening-list a").first.get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    assert browser_errors == []


def live_region(page: Page, selector: str):
    """The element, which must already be inside an aria-live region before the swap."""
    handle = page.locator(selector).element_handle()
    assert handle is not None, f"{selector} is missing"
    assert handle.evaluate(f"el => !!el.closest({LIVE!r})"), f"{selector} is not in an aria-live region"
    return handle


def assert_announced(handle, text: str, where: str) -> None:
    """The same live region (not a replaced copy, which screen readers do not announce) says `text`."""
    still_there, said = handle.evaluate(
        f"el => [el.isConnected && !!el.closest({LIVE!r}), el.closest({LIVE!r})?.textContent || '']"
    )
    assert still_there, f"{where}: the live region was replaced, its change is not announced"
    assert text in " ".join(said.split()), f"{where}: the live region says {said!r}, not {text!r}"


def test_swaps_away_from_the_focus_are_announced(page: Page, log_in, live_server, browser_errors, app):
    cetpro = factories.cetpro(name="CETPRO Misti")
    factories.coordinator(cetpro, email="coord@misti.edu.pe")
    company = factories.company()
    factories.employer(company, email="jefa@empresa.pe")
    opening = factories.opening(company, title="Electricista de planta")
    factories.opening(title="Cocinero de hotel")
    factories.application(opening, factories.student(), "in_review")
    candidate = factories.student(cetpro, modules=2)

    # Search: the focus stays in the box while the results below change.
    page.goto("/ofertas")
    status = live_region(page, "#results-status")
    page.get_by_label("Buscar").press_sequentially("electricista", delay=20)
    expect(page.locator("#results-title")).to_have_text("1 oferta para «electricista»")
    expect(page.get_by_label("Buscar")).to_be_focused()
    assert_announced(status, "1 oferta para «electricista»", "search")

    # Pipeline: the row the focus is in changes, and so do the counts by state at the top
    # (a row of links, where a live region would only read out bare numbers): the toast
    # in the header's live region says who moved where.
    log_in("jefa@empresa.pe")
    page.goto(f"/empresa/ofertas/{opening.id}/postulantes")
    notices = live_region(page, "#notices")
    page.locator(".applicant").first.get_by_role("button", name="Marcar finalista").click()
    expect(page.locator("#pipeline-counts")).to_contain_text("Finalista 1")
    assert_announced(notices, "Finalista", "pipeline move")
    page.get_by_role("button", name="Salir").click()

    # Profile: the form the focus is in is saved; the checklist beside it changes in place.
    factories.student(email="est.rosa@example.pe")
    log_in("est.rosa@example.pe")
    page.goto("/estudiante/perfil")
    checklist = live_region(page, "#profile-checklist")
    expect(page.locator("#profile-checklist")).to_contain_text("Agrega tu celular")
    page.get_by_label("Celular").fill("987654321")
    page.get_by_role("button", name="Guardar perfil").click()
    expect(page.locator("#notices")).to_contain_text("Guardamos tu perfil")
    expect(page.locator("#profile-checklist")).not_to_contain_text("Agrega tu celular")
    assert_announced(checklist, "Tu perfil está completo", "profile checklist")
    page.get_by_role("button", name="Salir").click()

    # Nominate: the count above the candidates changes, the toast says what happened.
    log_in("coord@misti.edu.pe")
    page.goto(f"/coordinador/ofertas/{opening.id}/candidatos")
    count = live_region(page, "#nomination-count")
    row = page.locator(f"#candidate-{candidate.student.id}")
    row.locator("summary", has_text="Nominar").click()
    row.get_by_role("button", name="Recomendar a la empresa").click()
    expect(row).to_contain_text("Nominado/a")
    expect(page.locator("#nomination-count")).to_contain_text("1 estudiante recomendado")
    assert_announced(count, "1 estudiante recomendado", "nomination count")
    assert browser_errors == []
