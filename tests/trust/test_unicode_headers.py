"""Every header the portal writes is sendable whatever the data (issue 22, item 2).

A name with ’ (phone keyboards type it by default), —, an emoji, full-width letters,
combining accents or right-to-left text travels through every route that echoes a name
into a header or a toast: company verification (coordinator and admin), a placement with
its employer's name, a roster import, a student's verification and nomination, a CV
download, and the flash messages of the same actions without JavaScript. Every answer's
headers must be Latin-1 encodable with no line break (what HTTP/1.1 can carry), and the
answer must be the normal Spanish page or fragment, the name intact.

And the class stays closed: `portal.headers.put` is the one way a header is written from
data. The last test reads every module of portal/ (with `ast`, not a regular expression)
and fails on any other header write whose value is not a literal or a module constant.
"""
from __future__ import annotations

import ast
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from portal import clock, headers
from tests import factories
from tests.helpers.events import toast
from tests.helpers.files import minimal_pdf
from tests.helpers.roster import csv_bytes, import_file, row
from tests.helpers.web import HTMX

CORPUS = {
    "apostrophe": "D’Sur",
    "quotes": "Café ’El Sol’",
    "accent": "D’Ángelo",
    "dash": "Norte — Sur",
    "emoji": "Soldaduras 🔥👷",
    "full-width": "ＡＢＣ Ｔｅｃｈ",
    "combining": "Jose\u0301 Mari\u0301a",  # é and í as letter + combining accent
    "rtl": "שלום مرحبا",
}

checked = {"responses": 0, "headers": 0}


def sendable(response) -> None:
    """What HTTP/1.1 can carry: Latin-1, and no line break that would end the header."""
    for name, value in response.headers.items():
        value.encode("latin-1")
        assert "\r" not in value and "\n" not in value, name
        checked["headers"] += 1
    checked["responses"] += 1


def both(client, url: str, data: dict, follow: str | None = None):
    """POST with htmx (the toast) and without (a flash, read on the page the 303 leads to)."""
    partial = client.post(url, data=dict(data), headers=HTMX)
    sendable(partial)
    plain = client.post(url, data=dict(data))
    sendable(plain)
    assert plain.status_code == 303, plain.status_code
    page = client.get(follow or plain.headers["Location"])
    sendable(page)
    assert page.status_code == 200
    return partial, page.get_data(as_text=True)


@pytest.fixture(params=list(CORPUS.values()), ids=list(CORPUS))
def name(request) -> str:
    return request.param


@pytest.fixture
def cetpro(app):
    return factories.cetpro(name="CETPRO Yanahuara")


def test_company_verification_by_a_coordinator_and_an_admin(client, auth, cetpro, name):
    company = factories.company(verified=False, legal_name=f"Instalaciones {name} S.A.C.")
    factories.employer(company)
    factories.convenio(cetpro, company)
    auth.login(factories.coordinator(cetpro))
    url = f"/coordinador/empresas/{company.id}/verificar"
    partial, page = both(client, url, {})
    assert partial.status_code == 200 and toast(partial).startswith(f"Verificaste a Instalaciones {name} S.A.C.")
    assert f"Instalaciones {name} S.A.C. ya había sido verificada" not in page
    assert f"CETPRO Yanahuara ya había verificado a Instalaciones {name} S.A.C." in page  # the flash, in Spanish
    auth.logout()
    auth.login(factories.admin())
    partial, page = both(client, f"/admin/empresas/{company.id}/rechazar", {"reason": f"No es {name}"})
    assert toast(partial) == f"Rechazaste la verificación de Instalaciones {name} S.A.C.. Le enviamos el motivo."
    assert f"Instalaciones {name} S.A.C. ya estaba rechazada." in page


def test_a_placement_with_the_employers_name(client, auth, cetpro, name):
    coordinator = factories.coordinator(cetpro)
    student = factories.named(factories.student(cetpro), name, "Quispe")
    auth.login(coordinator)
    data = {"student_id": str(student.student.id), "employer_name": name, "employer_ruc": "",
            "job_title": f"Técnico {name}", "kind": "empleo",
            "start_date": (clock.today() - timedelta(days=10)).isoformat(), "pay_min": "", "pay_max": "",
            "department_code": "04"}
    partial, page = both(client, "/coordinador/colocaciones", data)
    assert partial.status_code == 200 and toast(partial) == f"Registramos la colocación de {name} Quispe en {name}."
    assert "placement-created" in json.loads(partial.headers["HX-Trigger"])
    assert f"Esa colocación de {name} Quispe ya estaba registrada." in page  # the second time: the same one, flashed


def test_a_roster_import_and_the_students_verification_and_nomination(client, auth, cetpro, name):
    coordinator = factories.coordinator(cetpro)
    auth.login(coordinator)
    response = import_file(client, csv_bytes([row(1, first_names=name, last_names=f"{name} Mamani")]))
    sendable(response)
    assert response.status_code == 303
    roster = client.get("/coordinador/estudiantes")
    sendable(roster)
    assert "Importación lista: 1 estudiante nuevo" in roster.get_data(as_text=True)
    assert f"{name} Mamani" in roster.get_data(as_text=True)
    pending = factories.named(factories.student(cetpro, verified=False), name, "Pendiente")
    partial, page = both(client, f"/coordinador/estudiantes/{pending.student.id}/verificar", {})
    assert toast(partial) == f"Verificaste a {name} Pendiente. Le avisamos por correo."
    assert f"{name} Pendiente ya estaba verificado(a)." in page
    opening = factories.opening(factories.company(), title=f"Electricista {name}")
    partial = client.post(f"/coordinador/ofertas/{opening.id}/candidatos/{pending.student.id}/nominar",
                          data={"note": name}, headers=HTMX)
    sendable(partial)
    assert partial.status_code == 200 and toast(partial).startswith(f"Recomendaste a {name} Pendiente.")


def test_a_cv_downloads_under_the_students_name(client, auth, cetpro, name):
    student = factories.named(factories.student(cetpro), name, f"{name} Huamán")
    auth.login(student)
    uploaded = client.post("/estudiante/cv", data={"cv": (io.BytesIO(minimal_pdf()), "cv.pdf")},
                           content_type="multipart/form-data", headers=HTMX)
    sendable(uploaded)
    assert uploaded.status_code == 200
    download = client.get("/estudiante/cv")
    sendable(download)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith('inline; filename="CV-')


def test_the_guard_makes_any_value_sendable():
    for value in [*CORPUS.values(), "línea\r\nSet-Cookie: x=1", "tab\tand\x00nul", "\u2028sep"]:
        safe = headers.safe(value)
        safe.encode("ascii")
        assert safe.isprintable() and "\r" not in safe and "\n" not in safe
    assert headers.safe('{"notice-posted": {"message": "Verificaste a D\\u2019Sur"}}').endswith('D\\u2019Sur"}}')


# --- The class stays closed: one helper writes headers from data ----------------------------------

PORTAL = Path(__file__).resolve().parents[2] / "portal"
WRITERS = {"set", "add", "setdefault", "extend", "update", "add_header", "__setitem__"}


def _constant(node: ast.AST) -> bool:
    """A literal, or a module constant (UPPER_CASE name), is not data."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or \
        (isinstance(node, ast.Name) and node.id.isupper())


def _header_writes(tree: ast.AST):
    """(line, value node) of every `x.headers[...] = v` and `x.headers.set/add/…(name, v)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute) \
                        and target.value.attr == "headers":
                    yield node.lineno, node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITERS \
                and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "headers":
            yield node.lineno, node.args[1] if len(node.args) > 1 else None
        elif isinstance(node, ast.keyword) and node.arg == "headers":
            yield node.value.lineno, None  # Response(..., headers=…) would bypass the helper


def test_no_header_is_written_from_data_but_through_portal_headers():
    offending, writes = [], 0
    for path in sorted(PORTAL.rglob("*.py")):
        if path.name == "headers.py" and path.parent == PORTAL:
            continue
        for line, value in _header_writes(ast.parse(path.read_text(), str(path))):
            writes += 1
            if value is None or not _constant(value):
                offending.append(f"{path.relative_to(PORTAL.parent)}:{line}")
    print(f"\nTRUST unicode headers: {len(CORPUS)} names; {writes} other header writes in portal/, "
          f"all constants; offending: {len(offending)}")
    assert offending == [], "write these headers with portal.headers.put: " + ", ".join(offending)


def test_report():
    """The figures docs/TRUST.md quotes (run after the tests above, in file order)."""
    print(f"\nTRUST unicode headers: {checked['responses']} responses, {checked['headers']} headers, "
          "0 not Latin-1 or with a line break")
    assert checked["responses"] > 0
