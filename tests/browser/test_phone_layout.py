"""On a phone (390×844, the size most sold in Peru) no main page of any role is wider than
the screen: what is wide (a table) scrolls in its own box, and nothing else pushes the page
sideways, with every disclosure (<details>) open. The pages are the ones the accessibility
test walks (tests/helpers/demo_pages.py), in the demo world, so lists have rows."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.helpers.demo_pages import EMAILS, ROLES, demo_world, main_pages

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# What must be on a page for its check to mean something: a pipeline with applicants, the
# candidates of an opening, the roster with rows.
FILLED = {
    "/postulantes": ".applicant",
    "/candidatos": ".candidate",
    "/coordinador/estudiantes": "table.roster tbody tr",
}

TOO_WIDE = """() => {
    const width = window.innerWidth;
    const wide = [...document.querySelectorAll("body *")]
        .filter(el => el.getBoundingClientRect().right > width + 0.5)
        .map(el => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
                   + `${typeof el.className === "string" && el.className ? "." + el.className.split(" ").join(".") : ""}`
                   + ` (right edge at ${Math.round(el.getBoundingClientRect().right)} px)`);
    return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def demo(app):
    return demo_world()


@pytest.mark.parametrize("role", ROLES)
def test_no_main_page_is_wider_than_a_phone(page: Page, log_in, live_server, browser_errors, demo, role):
    page.set_viewport_size(PHONE)
    if role in EMAILS:
        log_in(EMAILS[role])
    too_wide = {}
    for path in main_pages(role, demo):
        response = page.goto(path)
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        for part, rows in FILLED.items():
            if path.split("?")[0].endswith(part):
                assert page.locator(rows).count() > 0, f"{path} shows no {rows}: the check would prove nothing"
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        measured = page.evaluate(TOO_WIDE)
        if measured["scroll"] > measured["width"]:
            too_wide[path] = measured
    assert not too_wide, "pages wider than the phone's screen:\n" + "\n".join(
        f"  {path}: {m['scroll']} px > {m['width']} px; {', '.join(m['wide'])}" for path, m in too_wide.items())
    assert browser_errors == []
