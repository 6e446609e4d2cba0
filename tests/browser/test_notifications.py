"""A signed-in person sees the badge, reads the notifications and marks them read in place."""
import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.notifications import services
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def rosa(app):
    user = factories.admin(email="rosa@example.pe")
    for text in ("Elecsur vio tu postulación.", "Eres finalista en «Electricista».", "Tu CETPRO te recomendó."):
        services.notify(user.id, "application-updated", text, "/ofertas")
    db.session.commit()
    return user


def test_marking_all_read_clears_the_badge_without_a_reload(page: Page, log_in, live_server, browser_errors, rosa):
    log_in("rosa@example.pe", then="/notificaciones")
    expect(page).to_have_url(f"{live_server}/notificaciones")
    badge = page.locator("#notification-badge")
    expect(badge).to_have_accessible_name("Avisos: 3 sin leer")
    expect(badge.locator(".count")).to_have_text("3")
    expect(page.locator(".notification.unread")).to_have_count(3)

    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Marcar todas como leídas").click()

    expect(page.locator("#notices")).to_contain_text("Marcaste todos tus avisos como leídos.")
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("#notification-badge .count")).to_have_count(0)  # the badge heard the event
    expect(page.locator("#notification-badge")).to_have_accessible_name("Avisos")
    assert page.evaluate("window.sameDocument") is True

    # Opening one still works from the read list.
    page.get_by_role("button", name="Tu CETPRO te recomendó.").click()
    expect(page).to_have_url(f"{live_server}/ofertas")
    assert browser_errors == []


def _open_one_and_come_back(page: Page, live_server: str) -> None:
    expect(page).to_have_url(f"{live_server}/notificaciones")
    expect(page.locator(".notification.unread")).to_have_count(3)
    page.get_by_role("button", name="Eres finalista en «Electricista».").click()
    expect(page).to_have_url(f"{live_server}/ofertas")
    expect(page.locator("#notification-badge")).to_have_accessible_name("Avisos: 2 sin leer")
    page.goto("/notificaciones")
    unread = page.locator(".notification.unread")
    expect(unread).to_have_count(2)
    expect(unread.filter(has_text="Eres finalista")).to_have_count(0)


def test_opening_one_goes_there_and_marks_only_it_read(page: Page, log_in, live_server, browser_errors, rosa):
    log_in("rosa@example.pe", then="/notificaciones")
    _open_one_and_come_back(page, live_server)
    assert browser_errors == []


def test_opening_one_works_without_javascript(new_context, live_server, rosa):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/ingresar?next=/notificaciones")
    page.get_by_label("Correo").fill("rosa@example.pe")
    page.get_by_label("Contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    _open_one_and_come_back(page, live_server)


def test_a_hidden_tab_does_not_poll_and_catches_up_when_shown(page: Page, log_in, live_server, browser_errors, rosa):
    log_in("rosa@example.pe", then="/notificaciones")
    expect(page.locator("#notification-badge .count")).to_have_text("3")
    counter_requests = []
    page.on("request", lambda request: "/notificaciones/contador" in request.url and counter_requests.append(request))

    # Hide the tab, then fire what a poll fires: htmx must not ask.
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
        document.getElementById('notification-badge').dispatchEvent(new CustomEvent('every'));
    }""")
    page.wait_for_timeout(300)
    assert counter_requests == []

    services.notify(rosa.id, "nomination", "Nuevo aviso mientras no mirabas.")
    db.session.commit()
    with page.expect_response("**/notificaciones/contador"):
        page.evaluate("""() => {
            Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
            document.dispatchEvent(new Event('visibilitychange'));
        }""")
    expect(page.locator("#notification-badge .count")).to_have_text("4")
    assert browser_errors == []
