"""Real-browser tests: Debian's Chromium, driven by Playwright, against a live server.

- `live_server` serves the test `app` (same database, same reference data) from a
  background thread on a free port; `page` (pytest-playwright) opens on it, so
  `page.goto("/ofertas")` works. Test data comes from `tests.factories`.
- `browser_errors` collects console errors and uncaught page errors: a strict CSP
  (script-src 'self', style-src 'self') reports its violations there.
- Without /usr/bin/chromium the tests are skipped loudly, except under CI (`CI` set),
  where they fail: CI must never pass with its browser tests silently skipped.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.helpers.live import served

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "apt-get install -y chromium"

# Chromium and Playwright write their profiles and caches inside the project, nowhere
# else; `make test` exports the same variables, a direct `pytest` run gets them here.
os.environ.setdefault("XDG_CONFIG_HOME", str(ROOT / ".config"))
os.environ.setdefault("XDG_CACHE_HOME", str(ROOT / ".cache"))
os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", str(ROOT / ".cache" / "ms-playwright"))
# Under pytest-xdist every worker runs its own Chromium (and its own live server, on a free
# port): give each its own config and cache folders (crash reports, dconf) inside those.
if _WORKER := os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        os.environ[_name] = str(Path(os.environ[_name]) / "workers" / _WORKER)

# Playwright's assertions retry for 5 s by default. A test suite sharing two cores with a
# parallel worker (and a live server thread) can take longer to render a swap; waiting
# longer changes no verdict, only how long a real failure takes to be reported.
expect.set_options(timeout=15_000)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


MISSING_MESSAGE = (
    f"Chromium not found at {CHROMIUM}: the real-browser tests cannot run. "
    f"Install Debian's Chromium with `{INSTALL_HINT}` (as root)."
)


def _is_browser_test(item: pytest.Item) -> bool:
    return item.get_closest_marker("browser") is not None or Path(str(item.path)).is_relative_to(
        Path(__file__).parent
    )


def pytest_report_header(config: pytest.Config) -> str:
    if _chromium_available():
        return f"browser tests: {CHROMIUM} (headless)"
    outcome = "FAIL (CI is set)" if _in_ci() else "SKIPPED"
    return f"browser tests: {outcome}. {MISSING_MESSAGE}"


_COLLECTED = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [item for item in items if _is_browser_test(item)]
    config.stash[_COLLECTED] = len(browser_items)
    if _chromium_available() or _in_ci():
        return
    skip = pytest.mark.skip(reason=f"!!! {MISSING_MESSAGE}")
    for item in browser_items:
        item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture: otherwise launching the missing browser errors out first.
    if _is_browser_test(item) and not _chromium_available() and _in_ci():
        pytest.fail(f"CI is set and {MISSING_MESSAGE}", pytrace=False)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if config.stash.get(_COLLECTED, 0) and not _chromium_available():
        terminalreporter.write_sep("!", "BROWSER TESTS DID NOT RUN", red=True, bold=True)
        terminalreporter.write_line(MISSING_MESSAGE, red=True, bold=True)


# --- pytest-playwright -------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": browser_type_launch_args.get("headless", True),  # --headed still works
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict, live_server: str) -> dict:
    """Every context opens on the live server, in Peruvian Spanish."""
    return {**browser_context_args, "base_url": live_server, "locale": "es-PE",
            "timezone_id": "America/Lima"}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test app served over HTTP from a background thread; yields its base URL."""
    with served(app) as base_url:
        yield base_url


class BrowserErrors(list):
    """Console errors and uncaught exceptions seen by a page, as readable strings.

    A page answered with 4xx (a form re-rendered with 422) makes Chromium log
    "Failed to load resource"; a test that expects one says so with `allow_status`.
    """

    _FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")

    def __init__(self) -> None:
        super().__init__()
        self._allowed: set[tuple[int, str]] = set()

    def allow_status(self, status: int, path: str) -> None:
        self._allowed.add((status, path))

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        failed = self._FAILED_LOAD.search(message.text)
        if failed and (int(failed.group(1)), urlsplit(url).path) in self._allowed:
            return
        self.append(f"console: {message.text} ({url})")

    def on_page_error(self, error) -> None:
        self.append(f"pageerror: {error}")


@pytest.fixture
def browser_errors(page) -> BrowserErrors:
    """Console errors and uncaught page errors of `page` (CSP violations show up here)."""
    errors = BrowserErrors()
    page.on("console", errors.on_console)
    page.on("pageerror", errors.on_page_error)
    return errors


# --- Signing in ----------------------------------------------------------------------------

@pytest.fixture
def log_in(page):
    """`log_in(email, password=PASSWORD, then=None)` signs in through the form on `page`.

    Without `then` it opens /ingresar; with it, it opens `then`, is sent to sign in, and comes
    back there. Either way it returns once the browser has left /ingresar, i.e. signed in.
    """
    from tests.factories import PASSWORD

    def sign_in(email: str, password: str = PASSWORD, then: str | None = None) -> None:
        page.goto(then or "/ingresar")
        page.get_by_label("Correo").fill(email)
        page.get_by_label("Contraseña").fill(password)
        page.get_by_role("button", name="Ingresar").click()
        page.wait_for_url(lambda url: urlsplit(url).path != "/ingresar")

    return sign_in
