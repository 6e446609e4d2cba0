"""Job alerts in a browser: save this search → a matching opening is published → the
digest is sent → the email's one-click unsubscribe works; the alerts page passes axe."""
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.alerts import sending
from portal.extensions import db
from portal.models import Alert, OutboxEmail
from portal.openings import services as opening_services
from tests import factories
from tests.helpers.axe import Audit

pytestmark = pytest.mark.browser


@pytest.fixture
def rosa(app):
    return factories.student(status="estudiante", email="rosa@example.pe")


def test_save_a_search_get_the_digest_and_unsubscribe_in_one_click(page: Page, log_in, live_server, browser_errors,
                                                                  new_context, rosa):
    log_in("rosa@example.pe")
    page.goto("/ofertas?q=electricista")
    page.evaluate("window.sameDocument = true")
    page.get_by_label("Avísame de nuevas ofertas así").select_option("diaria")
    page.get_by_role("button", name="Crear alerta").click()
    expect(page.locator("#alert-save")).to_contain_text("Guardamos esta búsqueda como alerta (resumen diario)")
    assert page.evaluate("window.sameDocument") is True  # saved in place
    [alert] = db.session.scalars(select(Alert))
    assert alert.query == "q=electricista"

    # A search changed in place (htmx, no reload) is the one saved next.
    page.get_by_label("Buscar", exact=True).fill("soldador")
    expect(page).to_have_url(re.compile(r"q=soldador"))
    page.get_by_label("Avísame de nuevas ofertas así").select_option("semanal")
    page.get_by_role("button", name="Crear alerta").click()
    expect(page.locator("#alert-save")).to_contain_text("resumen semanal")
    assert page.evaluate("window.sameDocument") is True
    assert {a.query for a in db.session.scalars(select(Alert))} == {"q=electricista", "q=soldador"}

    page.goto("/estudiante/alertas")
    expect(page.get_by_role("heading", name="«electricista»")).to_be_visible()
    audit = Audit(page)
    audit.check("/estudiante/alertas")
    audit.assert_clean()
    # Pause and resume it in place.
    page.evaluate("window.sameDocument = true")
    electricista = page.locator("section", has=page.get_by_role("heading", name="«electricista»"))
    electricista.get_by_role("button", name="Pausar").click()
    expect(electricista).to_contain_text("Pausada")
    electricista.get_by_role("button", name="Reanudar").click()
    expect(electricista.get_by_role("button", name="Pausar")).to_be_visible()
    expect(electricista).not_to_contain_text("Pausada")
    assert page.evaluate("window.sameDocument") is True

    # An employer publishes a matching opening; the worker's daily digest runs.
    draft = factories.opening(title="Electricista de planta", state="draft")
    opening_services.publish(draft, factories.employer(draft.company))
    assert sending.run_digests() == 1
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "rosa@example.pe"))
    assert "Electricista de planta" in email.body_text
    link = re.match(r"<([^>]+)>", email.list_unsubscribe).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]

    # The mail provider's one-click POST: no session, no CSRF token.
    provider = new_context()
    answer = provider.request.post(f"{live_server}/{path}", form={"List-Unsubscribe": "One-Click"})
    assert answer.status == 200
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).paused

    page.goto("/estudiante/alertas")
    expect(page.locator("#alerts")).to_contain_text("Pausada")
    assert browser_errors == []


def test_the_unsubscribe_page_asks_first_without_signing_in(new_context, live_server, rosa):
    from werkzeug.datastructures import MultiDict

    from portal.alerts import services

    alert, _ = services.save(rosa.student, MultiDict([("q", "soldador")]), "semanal")
    db.session.commit()
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/alertas/baja/{services.unsubscribe_token(alert)}")
    expect(page.get_by_text("Alerta: «soldador»")).to_be_visible()
    page.get_by_role("button", name="Sí, dejar de recibirla").click()
    expect(page.get_by_text("ya no te enviaremos esta alerta («soldador»)")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).paused
