"""Security headers and cookies on every kind of answer: pages, htmx fragments, redirects,
JSON, static files, files sent for download and error pages (400, 403, 404, 405, 413,
429, 500), with the app built as in production from the environment, with and without
`HTTPS=1`.

- With HTTPS=1 every cookie is Secure, HttpOnly and SameSite=Lax, and every answer sends
  Strict-Transport-Security (a year); without it, no HSTS (it would lock a plain-HTTP
  install out of itself) and cookies are still HttpOnly and SameSite=Lax.
- Everywhere: a CSP whose scripts come from 'self' only (no 'unsafe-inline', no
  'unsafe-eval'), frame-ancestors 'none', object-src 'none', base-uri 'none';
  X-Content-Type-Options: nosniff; a Referrer-Policy; X-Frame-Options: DENY.
- PDFs (CVs, convenios, evidence) carry their own CSP: Chrome's PDF viewer needs
  object-src 'self' and may be framed by our own pages only ('self'), and it allows no
  script at all (default-src 'none').
"""
from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import MultiDict

from portal import create_app, uploads
from portal.extensions import db
from tests import factories
from tests.helpers.web import HTMX, CsrfClient, empty_tables
from tests.trust.world import PDF

YEAR = 365 * 24 * 3600


@pytest.fixture(params=[False, True], ids=["http", "https"])
def built(request, database_url, tmp_path, monkeypatch):
    """The app configured from the environment (HTTPS on or off), on the test database."""
    https = request.param
    monkeypatch.setenv("HTTPS", "1" if https else "0")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": True,  # set, not inherited from the last app Flask-Limiter saw
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_PATH": str(tmp_path / "uploads"),
        "MAIL_SERVER": "",
        "PROPAGATE_EXCEPTIONS": False,  # a 500 is answered by the app, as in production
    })
    app.test_client_class = CsrfClient

    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/_fallo", "boom", boom)
    with app.app_context():
        yield app, https
        db.session.remove()
        empty_tables()
        db.session.remove()
        db.engine.dispose()


def _csp(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def _problems(response, https: bool) -> list[str]:
    headers, found = response.headers, []
    csp = _csp(headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None:
        found.append("no CSP for scripts")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts):
        found.append(f"script-src {scripts}")
    pdf = response.mimetype == "application/pdf"
    if csp.get("frame-ancestors") != (["'self'"] if pdf else ["'none'"]):
        found.append(f"frame-ancestors {csp.get('frame-ancestors')}")
    if not pdf:
        for name in ("object-src", "base-uri"):
            if csp.get(name) != ["'none'"]:
                found.append(f"{name} {csp.get(name)}")
        if headers.get("X-Frame-Options") != "DENY":
            found.append(f"X-Frame-Options {headers.get('X-Frame-Options')}")
    elif csp.get("default-src") != ["'none'"] or "script-src" in csp:
        found.append(f"PDF CSP allows scripts: {headers.get('Content-Security-Policy')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        found.append("no nosniff")
    if headers.get("Referrer-Policy") not in ("strict-origin-when-cross-origin", "same-origin", "no-referrer",
                                              "strict-origin"):
        found.append(f"Referrer-Policy {headers.get('Referrer-Policy')}")
    hsts = headers.get("Strict-Transport-Security")
    if https:
        age = int(hsts.split("max-age=")[1].split(";")[0]) if hsts and "max-age=" in hsts else 0
        if age < YEAR:
            found.append(f"HSTS {hsts!r}")
    elif hsts:
        found.append(f"HSTS over plain HTTP: {hsts!r}")
    for cookie in headers.getlist("Set-Cookie"):
        attributes = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")[1:]}
        if "httponly" not in attributes:
            found.append(f"cookie without HttpOnly: {cookie[:60]}")
        if attributes.get("samesite", "").lower() != "samesite=lax":
            found.append(f"cookie without SameSite=Lax: {cookie[:60]}")
        if https and "secure" not in attributes:
            found.append(f"cookie without Secure: {cookie[:60]}")
        if not https and "secure" in attributes:
            found.append(f"Secure cookie over plain HTTP (it would never come back): {cookie[:60]}")
    return found


def test_headers_and_cookies_on_every_kind_of_answer(built):
    app, https = built
    base = "https://localhost" if https else "http://localhost"
    limited, person = factories.student(), factories.student()
    person.student.cv_path = uploads.store_bytes(PDF, "cv", "pdf")
    db.session.commit()
    client = app.test_client()
    answers = {}

    def send(label, method, path, headers=None, **kwargs):
        # Browsers send a Referer to their own site; Flask-WTF checks it on HTTPS.
        headers = {"Referer": f"{base}/", **(headers or {})}
        answers[label] = client.open(path, method=method, base_url=base, headers=headers, **kwargs)

    def token() -> str:
        """The CSRF token a page gives the browser (over the same scheme, Secure cookies and all)."""
        page = client.get("/", base_url=base).get_data(as_text=True)
        return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    send("page (anonymous, sets the session cookie)", "GET", "/ingresar")
    send("page", "GET", "/")
    send("fragment", "GET", "/ofertas", headers=HTMX)
    send("JSON", "GET", "/salud")
    send("public keys (JWK Set)", "GET", "/.well-known/jwks.json")
    send("status list (VC-JWT)", "GET", "/credenciales/estado/1")
    send("static CSS", "GET", "/static/app.css")
    send("static htmx", "GET", "/static/vendor/htmx-4.0.1.min.js")
    send("404 page", "GET", "/no-existe")
    send("404 fragment", "GET", "/no-existe", headers=HTMX)
    send("405", "GET", "/ofertas/1/postular")
    send("500 page", "GET", "/_fallo")
    send("500 fragment", "GET", "/_fallo", headers=HTMX)
    send("400 (no CSRF token)", "POST", "/ingresar", data={"email": "x"})
    wrong = {"email": limited.email, "password": "no-es-esta-clave"}
    for _ in range(5):
        client.post("/ingresar", base_url=base, data={**wrong, "csrf_token": token()}, csrf=False,
                    headers={"Referer": f"{base}/"})
    send("429 page", "POST", "/ingresar", data={**wrong, "csrf_token": token()})
    send("429 fragment", "POST", "/ingresar", data={**wrong, "csrf_token": token()}, headers=HTMX)
    send("sign-in (a new session cookie)", "POST", "/ingresar",
         data={"email": person.email, "password": factories.PASSWORD, "csrf_token": token()})
    send("redirect", "GET", "/panel")
    send("403 page", "GET", "/empresa")
    send("403 fragment", "GET", "/empresa", headers=HTMX)
    big = MultiDict([("csrf_token", token()), ("cv", (io.BytesIO(b"0" * (7 * 1024 * 1024)), "cv.pdf"))])
    send("413", "POST", "/estudiante/cv", data=big, content_type="multipart/form-data")
    send("own CV (PDF download)", "GET", "/estudiante/cv")
    send("sign-out (the session cookie cleared)", "POST", "/salir", data={"csrf_token": token()})

    expected = {"page (anonymous, sets the session cookie)": 200, "page": 200, "fragment": 200, "JSON": 200,
                "public keys (JWK Set)": 200, "status list (VC-JWT)": 200,
                "static CSS": 200, "static htmx": 200, "404 page": 404, "404 fragment": 404, "405": 405,
                "500 page": 500, "500 fragment": 500, "400 (no CSRF token)": 400, "413": 413,
                "429 page": 429, "429 fragment": 429, "sign-in (a new session cookie)": 303, "redirect": 302,
                "403 page": 403, "403 fragment": 403, "own CV (PDF download)": 200,
                "sign-out (the session cookie cleared)": 303}
    failures = [f"{label}: {answers[label].status_code}, expected {status}"
                for label, status in expected.items() if answers[label].status_code != status]
    for label, response in answers.items():
        failures += [f"{label} ({response.status_code}): {p}" for p in _problems(response, https)]
    cookies = [c for r in answers.values() for c in r.headers.getlist("Set-Cookie")]
    assert any(c.startswith("session=") for c in cookies), "no session cookie was set"
    print(f"\nTRUST headers {'https' if https else 'http'}: {len(answers)} answers, {len(cookies)} cookies checked")
    assert not failures, "\n".join(failures)
