"""The markup is valid HTML: the W3C's Nu HTML Checker over every main page of every role
(tests/helpers/demo_pages.py, the list the accessibility and phone-layout suites walk) and the forms in their
error state, in one run of the checker; and the same pages with many rows (tests/helpers/busy_world.py).

The only errors allowed are htmx's own `hx-*` attributes (its documented syntax, e.g.
`hx-target:inherited`, which HTML does not know). `make test` fetches the checker into
.cache/vnu (see the Makefile); without Java or the jar this test fails, it never skips.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from portal.seed.common import PASSWORD
from tests import factories
from tests.helpers.busy_world import EMAILS as BUSY_EMAILS
from tests.helpers.busy_world import busy_pages, busy_world
from tests.helpers.demo_pages import EMAILS, ROLES, demo_world, main_pages

ROOT = Path(__file__).resolve().parents[2]
JAR = Path(os.environ.get("VNU_JAR") or ROOT / ".cache" / "vnu" / "26.9.27" / "vnu.jar")
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[^”]*” (is )?not allowed")


def _checker() -> list[str]:
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is not installed: the Nu HTML Checker needs it (apt-get install -y default-jre-headless).")
    if not JAR.is_file():
        pytest.fail(f"The Nu HTML Checker is missing at {JAR}: `make vnu` (or `make test`) fetches it.")
    return [java, "-Xss4m", "-jar", str(JAR)]


def _errors(folder: Path) -> list[dict]:
    """The checker's errors over every .html file in `folder` (one run of the JVM)."""
    run = subprocess.run([*_checker(), "--errors-only", "--format", "json", "--stdout", "--exit-zero-always",
                          *sorted(str(p) for p in folder.glob("*.html"))],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return [m for m in json.loads(run.stdout)["messages"] if m.get("type") == "error"]


def _save(folder: Path, name: str, response, statuses=(200,)) -> None:
    assert response.status_code in statuses, f"{name} answered {response.status_code}"
    assert response.mimetype == "text/html", f"{name} is {response.mimetype}"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80]
    (folder / f"{len(list(folder.iterdir())):03d}-{slug}.html").write_bytes(response.data)


def test_every_main_page_is_valid_html(app, tmp_path):
    world = demo_world()
    folder = tmp_path / "pages"
    folder.mkdir()
    names = {}
    for role in ROLES:
        client = app.test_client()
        if role in EMAILS:
            assert client.post("/ingresar", data={"email": EMAILS[role], "password": PASSWORD}).status_code == 303
        for path in main_pages(role, world):
            _save(folder, f"{role} {path}", client.get(path))
            names[sorted(folder.iterdir())[-1].name] = f"{path} ({role})"

    # The forms as a person sees them after a failed submit, and the error pages.
    visitor = app.test_client()
    _save(folder, "404", visitor.get("/ofertas/999999"), (404,))
    _save(folder, "sign-in failed", visitor.post("/ingresar", data={"email": "nadie@x.pe", "password": "no"}),
          (200, 401, 422))
    _save(folder, "student sign-up errors", visitor.post("/registro/estudiante", data={}), (422,))
    _save(folder, "company sign-up errors", visitor.post("/registro/empresa", data={}), (422,))
    employer = app.test_client()
    employer.post("/ingresar", data={"email": EMAILS["employer"], "password": PASSWORD})
    _save(folder, "opening form errors", employer.post("/empresa/ofertas/nueva", data={
        "title": "", "kind": "practicas_profesionales", "hours_per_week": "60", "pay_monthly": "10"}), (422,))
    _save(folder, "company profile errors", employer.post("/empresa/perfil", data={"legal_name": ""}), (422,))
    _save(folder, "403 for another role", employer.get("/coordinador"), (403,))
    student = app.test_client()
    student.post("/ingresar", data={"email": EMAILS["student"], "password": PASSWORD})
    _save(folder, "student profile errors", student.post("/estudiante/perfil", data={"phone": "abc"}), (422,))
    _save(folder, "generated CV experience errors", student.post("/estudiante/cv/experiencias", data={
        "nueva-kind": "empleo", "nueva-start_date": "2099-01-01"}), (422,))
    for file in sorted(folder.iterdir()):
        names.setdefault(file.name, file.stem[4:])

    messages = _errors(folder)
    errors = [m for m in messages if not HTMX_ATTRIBUTE.match(m.get("message", ""))]
    print(f"MARKUP {len(names)} pages checked: {len(errors)} errors, "
          f"{len(messages) - len(errors)} hx-* attribute messages allowed")
    report = [f"{names[Path(m['url']).name]}:{m.get('lastLine', '?')}: {m['message']}  «{m.get('extract', '').strip()[:120]}»"
              for m in errors]
    assert not report, f"{len(report)} markup errors:\n" + "\n".join(report)
    assert len(names) >= 50  # every page above was checked, not only a few


def test_busy_pages_are_valid_html(app, tmp_path):
    """The pages that repeat a block per row, with many rows (tests/helpers/busy_world.py): an id
    or a name that each row repeats is an error only several rows show."""
    world = busy_world()
    folder = tmp_path / "busy"
    folder.mkdir()
    names = {}
    for role in ("public", *BUSY_EMAILS):
        client = app.test_client()
        if role in BUSY_EMAILS:
            assert client.post("/ingresar", data={"email": BUSY_EMAILS[role], "password": factories.PASSWORD}
                               ).status_code == 303
        for path in busy_pages(role, world):
            _save(folder, f"{role} {path}", client.get(path))
            names[sorted(folder.iterdir())[-1].name] = f"{path} ({role})"

    messages = _errors(folder)
    errors = [m for m in messages if not HTMX_ATTRIBUTE.match(m.get("message", ""))]
    print(f"MARKUP busy world, {len(names)} pages checked: {len(errors)} errors")
    report = [f"{names[Path(m['url']).name]}:{m.get('lastLine', '?')}: {m['message']}  «{m.get('extract', '').strip()[:120]}»"
              for m in errors]
    assert not report, f"{len(report)} markup errors:\n" + "\n".join(report)
