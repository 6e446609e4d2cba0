"""The layout's promises in a real browser: the loading bar shows while htmx waits,
the skip link reaches the content, and a phone-sized screen needs no sideways scroll."""
import time

import pytest
from playwright.sync_api import Page, Route, expect

from tests import factories

pytestmark = pytest.mark.browser


def test_loading_bar_shows_while_a_request_is_in_flight(page: Page, live_server, browser_errors):
    factories.opening(title="Electricista")
    page.goto("/ofertas")

    def slow(route: Route) -> None:
        if route.request.headers.get("hx-request") == "true":
            time.sleep(1.2)  # a weak 3G link
        route.continue_()

    page.route("**/ofertas?*", slow)
    page.get_by_label("Buscar").fill("electri")
    expect(page.locator("#loading")).to_have_class("loading-bar htmx-indicator htmx-request", timeout=3000)
    expect(page.locator("#loading")).not_to_have_class("loading-bar htmx-indicator htmx-request", timeout=5000)
    assert browser_errors == []


def test_skip_link_moves_focus_to_the_content(page: Page, live_server):
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/#main")


@pytest.mark.parametrize("path", ["/", "/ofertas", "/ingresar", "/registro/estudiante"])
def test_phone_screen_has_no_horizontal_scroll(page: Page, live_server, path):
    factories.opening(title="Técnico en refrigeración y aire acondicionado comercial")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
