"""The admin's account pages (/admin/usuarios) and the audit trail (/admin/auditoria,
/coordinador/auditoria): axe-core finds no violations on a desktop and on a phone (390×844),
before and after the htmx swaps people make, and no page is wider than the phone's screen.
Same helpers as test_accessibility.py (tests/helpers/axe.py), in the demo world."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.audit import audit
from portal.extensions import db
from portal.models import Cetpro, StudentProfile, User
from portal.seed.demo import ADMIN_EMAIL, COORDINATOR_EMAIL, STUDENT_EMAIL
from tests.helpers.axe import Audit, assert_accessible
from tests.helpers.demo_pages import demo_world

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

TOO_WIDE = """() => {
    const width = window.innerWidth;
    const wide = [...document.querySelectorAll("body *")]
        .filter(el => el.getBoundingClientRect().right > width + 0.5)
        .map(el => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`);
    return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def demo(app):
    """The demo world with a trail: what its coordinator and admin did to the CETPRO's students."""
    accounts = demo_world()
    coordinator = accounts["coordinator"]
    students = db.session.scalars(select(StudentProfile).where(StudentProfile.cetpro_id == coordinator.cetpro_id)
                                  .order_by(StudentProfile.id).limit(4)).all()
    for profile in students:
        audit("student.verified", profile, coordinator, cetpro_id=coordinator.cetpro_id)
    audit("roster.exported", db.session.get(Cetpro, coordinator.cetpro_id), coordinator, format="xlsx", rows=42,
          filters={"programa": "Electricidad", "verificacion": "pendiente", "estado": "egresado"})
    # Long data: a fingerprint without spaces and hundreds of ids must not widen a phone's page.
    audit("roster.imported", db.session.get(Cetpro, coordinator.cetpro_id), coordinator, file="lista-2026.xlsx",
          fingerprint="9f" * 32, new=399, created_ids=list(range(1000, 1399)))
    audit("user.password_reset_sent", students[0].user, accounts["admin"])
    audit("cosa.sin_etiqueta", students[0].user, None)
    db.session.commit()
    return accounts


def _pages(role: str, demo) -> list[str]:
    if role == "coordinator":
        return ["/coordinador/auditoria", "/coordinador/auditoria?accion=student.verified&desde=2020-01-01"]
    student = demo["student"]
    return ["/admin/usuarios", "/admin/usuarios?q=demo&rol=estudiante", "/admin/usuarios?q=zzzzzz",
            f"/admin/usuarios/{student.id}", f"/admin/usuarios/{demo['admin'].id}", "/admin/auditoria",
            "/admin/auditoria?accion=student&tipo=StudentProfile", "/admin/auditoria?actor=nadie"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_the_pages_have_no_axe_violations_and_fit_a_phone(page: Page, log_in, live_server, browser_errors, demo,
                                                         role, size):
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
    log_in(ADMIN_EMAIL if role == "admin" else COORDINATOR_EMAIL)
    audit_ = Audit(page)
    too_wide = {}
    for path in _pages(role, demo):
        response = page.goto(path)
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        audit_.check(f"{path} ({size})")
        measured = page.evaluate(TOO_WIDE)
        if size == "phone" and measured["scroll"] > measured["width"]:
            too_wide[path] = measured
    audit_.assert_clean()
    assert not too_wide, f"wider than the phone: {too_wide}"
    assert browser_errors == []


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_searching_and_deactivating_in_place_stay_accessible(page: Page, log_in, live_server, browser_errors,
                                                            demo, size):
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
    student = db.session.scalar(select(User).where(User.email == STUDENT_EMAIL))
    log_in(ADMIN_EMAIL)
    page.goto("/admin/usuarios")
    heading = page.locator("#user-results-title")
    page.get_by_label("Nombre, correo, DNI o RUC").press_sequentially(STUDENT_EMAIL, delay=10)
    expect(heading).to_contain_text(f"1 cuenta para «{STUDENT_EMAIL}»")
    assert_accessible(page, f"/admin/usuarios after a search ({size})")

    page.locator("#user-results").get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_server}/admin/usuarios/{student.id}")
    page.locator("summary", has_text="Desactivar la cuenta").click()
    page.get_by_label("Motivo (opcional, queda en la auditoría)").fill("Pidió darse de baja")
    page.get_by_role("button", name="Desactivar", exact=True).click()
    expect(page.locator("#user-account")).to_contain_text("Desactivada")
    expect(page.locator("#notices")).to_contain_text("Desactivaste la cuenta")
    assert_accessible(page, f"account page after deactivating ({size})")

    page.get_by_role("button", name="Reactivar la cuenta").click()
    expect(page.locator("#user-account")).to_contain_text("Activa")
    assert_accessible(page, f"account page after reactivating ({size})")

    page.goto("/admin/auditoria")
    page.get_by_label("Acción").select_option(label="Cuenta desactivada")
    expect(page.locator("#audit-events-title")).to_contain_text("1 evento")
    expect(page.locator("#audit-events")).to_contain_text("Pidió darse de baja")
    assert_accessible(page, f"/admin/auditoria after filtering ({size})")
    assert browser_errors == []
