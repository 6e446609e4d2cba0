"""A visitor reports an opening from its page: the form answers in place, no account needed."""
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, OpeningReport
from tests import factories

pytestmark = pytest.mark.browser


def test_a_visitor_reports_an_opening_in_place(page: Page, live_server: str, browser_errors):
    admin = factories.admin()
    opening = factories.opening(title="Ayudante de almacén")
    page.goto(f"/ofertas/{opening.id}")
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_text("Reportar esta oferta").click()
    # Nothing chosen: the browser asks for a reason before anything is sent (the server
    # would answer 422 in Spanish too: tests/openings/test_moderation.py).
    page.get_by_role("button", name="Enviar reporte").click()
    expect(page.locator("#report-reason:invalid")).to_have_count(1)

    page.get_by_label("¿Qué pasa con esta oferta?").select_option(label="Pide dinero o cobra por postular")
    page.get_by_label("Detalles (opcional)").fill("Me pidieron S/ 80 para el uniforme.")
    page.get_by_role("button", name="Enviar reporte").click()

    expect(page.locator("#opening-report")).to_contain_text("Gracias por avisarnos")
    expect(page.get_by_role("button", name="Enviar reporte")).to_have_count(0)
    assert page.evaluate("window.__stillTheSamePage === true"), "the report reloaded the page"
    db.session.expire_all()
    report = db.session.scalar(select(OpeningReport))
    assert (report.reason, report.details, report.reporter_id) == (
        "charges_fee", "Me pidieron S/ 80 para el uniforme.", None)
    assert db.session.scalar(select(Notification.user_id)) == admin.id
    assert browser_errors == []
