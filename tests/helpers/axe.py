"""axe-core in a real browser: run it on a page and collect what it finds, page after page.

axe is vendored (tests/browser/vendor/) and evaluated through the DevTools protocol, which
the app's CSP (script-src 'self') does not apply to: the pages are tested under their real
CSP, and a CSP error would still show up in the browser tests' `browser_errors`.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe-4.14.1.min.js"


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """Run axe on the page as it is now (default rules: WCAG 2.x A/AA and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }"""
    )


def describe(where: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']}")
        for node in v["nodes"][:5]:
            summary = " ".join((node["summary"] or "").split())[:300]
            lines.append(f"    {node['target']}  {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


class Audit:
    """Collects the violations of several pages so one run reports all of them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.reports: list[str] = []
        self.checked = 0

    def check(self, where: str | None = None) -> None:
        violations = axe_violations(self.page)
        self.checked += 1
        if violations:
            self.reports.append(describe(where or self.page.url, violations))

    def visit(self, *paths: str) -> None:
        for path in paths:
            response = self.page.goto(path)
            assert response is not None and response.ok, f"{path} answered {response and response.status}"
            self.check(path)

    def assert_clean(self) -> None:
        assert not self.reports, "axe-core violations:\n" + "\n".join(self.reports)


def assert_accessible(page: Page, where: str | None = None) -> None:
    audit = Audit(page)
    audit.check(where)
    audit.assert_clean()
