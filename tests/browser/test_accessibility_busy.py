"""axe-core finds no violations on the pages that repeat a block per row when they hold many
rows (tests/helpers/busy_world.py: a dozen hires with their convenios and follow-ups, a pipeline
in every state, nominations, pending sign-ups, many notifications, open reports), as each role,
at a phone's width and a desktop's.

The demo world has two or three rows a page; a defect of the repeated block (two landmarks named
alike, an id used twice) needs several to show. Besides axe, each page's landmarks are listed
as a screen reader lists them: none may sit inside a row, where it would add one entry per row
to the landmark list (per-row blocks are found by their headings instead); and no two rows may
hold a link, button or field of the same name that does different things, or a screen reader's
list of links or form fields shows the same entry once per row ("Sí, sigue allí" ×17).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.helpers.axe import Audit
from tests.helpers.busy_world import EMAILS, busy_pages, busy_world

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

# Landmarks as the accessibility tree has them (a <section> or <form> only with a name), and
# the repeated blocks that must not hold one: list items, table rows, cards of a list.
ROW_LANDMARKS = """() => {
    const landmark = "main, nav, aside, [role=region], [role=search], [role=navigation], [role=complementary], "
        + "[role=form], section[aria-label], section[aria-labelledby], form[aria-label], form[aria-labelledby]";
    return [...document.querySelectorAll(landmark)]
        .filter(el => el.closest("li, tr, dd") && !el.closest("[hidden]"))
        .map(el => `${el.tagName.toLowerCase()}#${el.id || "?"}.${el.className} in ${el.closest("li, tr, dd").id || "a row"}`);
}"""


SAME_NAMES = """() => {
    const ROW = "li, tr, article";
    const seen = new Map();
    for (const el of document.querySelectorAll("a[href], button, summary, input:not([type=hidden]), select, textarea")) {
        const row = el.closest(ROW);
        if (!row || !el.checkVisibility()) continue;
        let name = (el.getAttribute("aria-label") || "").trim();
        if (!name && el.labels && el.labels.length) name = [...el.labels].map(l => l.textContent).join(" ");
        if (!name) name = el.textContent;
        name = name.replace(/\\s+/g, " ").trim();
        const form = el.form || el.closest("details")?.querySelector("form");
        const does = el.getAttribute("href") || `${form ? form.action : ""}#${el.name}=${el.value}`;
        const key = `${el.tagName.toLowerCase()} «${name}»`;
        if (!seen.has(key)) seen.set(key, new Map());
        seen.get(key).set(does, row.id || row.className || row.tagName);
    }
    return [...seen].filter(([, does]) => does.size > 1)
        .map(([key, does]) => `${key} ×${does.size} (in ${[...does.values()].slice(0, 3).join(", ")})`);
}"""


@pytest.fixture
def busy(app):
    return busy_world()


@pytest.mark.parametrize("role", ["public", "student", "employer", "coordinator", "admin"])
def test_busy_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, busy, role):
    # Both widths in one test: the world is built once a role (through the services, a few seconds).
    if role != "public":
        log_in(EMAILS[role])
    audit = Audit(page)
    row_landmarks, same_names = [], []
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        for path in busy_pages(role, busy):
            response = page.goto(path)
            assert response is not None and response.ok, f"{path} answered {response and response.status}"
            audit.check(f"{path} at {width} width")
            row_landmarks += [f"{path}: {found}" for found in page.evaluate(ROW_LANDMARKS)]
            same_names += [f"{path}: {found}" for found in page.evaluate(SAME_NAMES)]
    audit.assert_clean()
    assert not row_landmarks, "landmarks repeated per row:\n" + "\n".join(sorted(set(row_landmarks)))
    assert not same_names, "controls named alike in different rows:\n" + "\n".join(sorted(set(same_names)))
    assert browser_errors == []
    print(f"AXE busy {role}: {audit.checked} page views ({' and '.join(WIDTHS)} width), 0 violations")
