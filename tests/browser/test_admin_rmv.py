"""In a real browser, at a phone's width and a desktop's: an admin registers a new RMV on
/admin/rmv — a mistake first, then the preview of the openings it leaves below, then the
confirmation — and axe-core finds no violation at any step."""
from datetime import timedelta
from decimal import Decimal as D

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from tests import factories
from tests.helpers.axe import Audit

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_admin_previews_and_confirms_a_new_rmv(page: Page, log_in, live_server, browser_errors, width):
    page.set_viewport_size(WIDTHS[width])
    factories.admin(email="admin@enlace.pe")
    company = factories.company(legal_name="Eléctrica Andina S.A.C.")
    factories.employer(company, email="duena@andina.pe")
    start = clock.today() + timedelta(days=60)
    factories.opening(company, title="Practicante de tableros", kind="practicas_preprofesionales",
                      hours_per_day=D(6), hours_per_week=D(30), pay_monthly=D("1130"), start_date=start)
    audit = Audit(page)

    log_in("admin@enlace.pe")
    page.get_by_role("link", name="Tabla de la RMV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remuneración Mínima Vital (RMV)")
    audit.check(f"/admin/rmv at {width} width")

    page.get_by_label("Rige desde").fill(clock.today().isoformat())
    page.get_by_label("Monto mensual (S/)").fill("1200")
    browser_errors.allow_status(422, "/admin/rmv")
    page.get_by_role("button", name="Revisar las ofertas afectadas").click()
    expect(page.locator(".error-summary")).to_contain_text("Elige una fecha desde mañana")
    audit.check(f"/admin/rmv with an error at {width} width")

    page.get_by_label("Rige desde").fill(start.isoformat())
    page.get_by_role("button", name="Revisar las ofertas afectadas").click()
    preview = page.locator("#rmv section.card")
    expect(preview).to_contain_text("1 oferta publicada quedaría por debajo")
    expect(preview).to_contain_text("Practicante de tableros")
    audit.check(f"/admin/rmv preview at {width} width")

    page.get_by_role("button", name="Confirmar la nueva RMV").click()
    expect(page.locator("#notices")).to_contain_text("Avisamos a 1 empresa")
    expect(page.locator("#rmv tbody tr").first).to_contain_text("Programada")
    audit.check(f"/admin/rmv after confirming at {width} width")
    audit.assert_clean()
    assert browser_errors == []
