"""Open redirects: every target taken from user input goes through `portal.redirects.safe_target`.

A property test feeds the helper strings built from the WHATWG URL standard's edge cases
(control characters, tab and newline anywhere, backslashes, `//`, schemes, percent-encoded
forms, Unicode look-alikes) and checks that whatever it accepts stays on our host however
it is read: by Python's `urljoin`, by a browser (which strips outer controls and spaces,
removes tab/CR/LF anywhere and reads a backslash as a slash before the query), after
Werkzeug writes it as a Location, and after a proxy decodes it again. Then the attacks of
issue 22 go through the real routes: signed in and signed out on /ingresar, the employer's
status change (`back`), the company queue (`next`) and a notification's stored link.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.test import create_environ
from werkzeug.utils import redirect

from portal.extensions import db
from portal.models import Notification
from portal.redirects import safe_target
from tests import factories
from tests.helpers.trust import signed_in

BASE = "https://enlace.pe/x"

# Pieces of hostile and ordinary URLs, after the WHATWG URL standard and its test data.
TOKENS = [
    "/", "//", "///", "\\", "/\\", "\\/", "\\\\", "\t", "\n", "\r", " ", "\x00", "\x01", "\x08", "\x0b",
    "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\u00a0", "\u1680", "\u2028", "\u2029", "\u200b", "\u200e",
    "\u202e", "\ufeff", "\u3000", "\uff0f", "\uff3c", "\u3002", "\uff0e", "%09", "%0a", "%0A", "%0d",
    "%00", "%20", "%2F", "%2f", "%5C", "%5c", "%2e", "%3A", "%40", "%23", "%3F", "%252F", "%255C", "%25",
    "%", "%E3%80%82", "%EF%BC%8F", "%FF", "%C0%AF", ":", "javascript:", "JaVaScRiPt:", "java\tscript:",
    "http:", "https:", "HTTPS:", "ftp:", "data:text/html,", "vbscript:", "file:", "blob:", "evil.example",
    "//evil.example", "@", "user:pass@", "?", "#", ".", "..", "./", "../", "enlace.pe", "enlace.pe.evil.example",
    "127.0.0.1", "[::1]", "0x7f.1", ":443", "x", "ofertas", "?next=", "alert(1)", "&", "=", ";",
]

# Whole cases, many from the standard's test data (urltestdata.json): each must be refused.
KNOWN_BAD = [
    "//evil.example", "//evil.example/x", "///evil.example", "////evil.example", "/\\evil.example",
    "\\/evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "\t//evil.example", " //evil.example", "\x00//evil.example", "/%09/evil.example", "/%2F/evil.example",
    "/%2f%2fevil.example", "/%5Cevil.example", "/%5c%5cevil.example", "/%252F%252Fevil.example",
    "/%0a/evil.example", "javascript:alert(1)", "JAVASCRIPT:alert(1)", "java\tscript:alert(1)",
    " javascript:alert(1)", "http://evil.example", "https://evil.example/", "http:evil.example",
    "https:/evil.example", "http:\\\\evil.example", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox", "evil.example", "@evil.example", "\u200b//evil.example", "/\u2028/evil.example",
    "/\ufeff/evil.example", "/\x7f/evil.example", "", " ", "/a b", "/\u00a0/evil.example", "/" + "a" * 3000,
]

# Paths of ours, as the portal links them: each must be accepted unchanged.
KNOWN_GOOD = [
    "/", "/panel", "/estudiante/postulaciones", "/ofertas?q=electricista&familia=5&pagina=2",
    "/ofertas?q=gasfiter%C3%ADa", "/ofertas/12#postular", "/empresa/ofertas/3/postulantes?estado=received",
    "/empresa/postulaciones/7", "/coordinador/empresas?estado=pending&pagina=3", "/empresa/unirse/abc.DEF-123",
    "/ofertas?q=a%2Fb", "/ofertas?q=a%20b", "/ofertas/é", "/javascript:alert(1)",
]

_OUTER = "".join(chr(code) for code in range(0x21))


def browser_resolves(target: str, base: str = BASE) -> tuple[str | None, str | None]:
    """(scheme, host) a browser would go to from `target` on `base`, after the WHATWG rules
    that `urljoin` does not apply: outer controls and spaces stripped, tab/CR/LF removed
    anywhere, a backslash before the query read as a slash."""
    cleaned = re.sub("[\t\n\r]", "", target.strip(_OUTER))
    before_query, rest = re.match(r"([^?#]*)(.*)", cleaned, re.S).groups()
    cleaned = before_query.replace("\\", "/") + rest
    parts = urlsplit(urljoin(base, cleaned))
    return parts.scheme, parts.hostname


def stays_home(target: str, base: str = BASE) -> bool:
    """Whether every reading of `target` (as given, as a browser reads it, as Werkzeug writes it
    as a Location, once a proxy decodes it again) stays on `base`'s scheme and host."""
    home = urlsplit(base)
    written = redirect(target).get_wsgi_headers(create_environ())["Location"]
    readings = [target, written]
    for _ in range(3):
        readings.append(unquote(readings[-1]))
    for reading in readings:
        joined = urlsplit(urljoin(base, reading))
        if (joined.scheme, joined.hostname) != (home.scheme, home.hostname):
            return False
        if browser_resolves(reading, base) != (home.scheme, home.hostname):
            return False
    return True


hostile = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=8).map("".join),
    st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=8).map("".join),
    st.builds(lambda head, tail: head + tail, st.sampled_from(["/", "/x", "/ofertas?q="]),
              st.lists(st.sampled_from(TOKENS), max_size=6).map("".join)),
    st.text(max_size=40),
)

_TALLY = {"generated": 0, "accepted": 0}
PROPERTY_EXAMPLES = 4000


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
@given(hostile)
def _check_generated(value):
    _TALLY["generated"] += 1
    result = safe_target(value)
    if result is not None:
        _TALLY["accepted"] += 1
        assert result == value
        assert stays_home(result), f"{value!r} accepted but leaves the site"


def test_whatever_the_helper_accepts_stays_on_our_site():
    _check_generated()
    print(f"\nTRUST redirects property: {_TALLY['generated']} generated targets, {_TALLY['accepted']} accepted, "
          "0 leave the site")
    assert _TALLY["generated"] >= PROPERTY_EXAMPLES // 2
    assert _TALLY["accepted"] > 0  # the generator reaches ordinary paths too


@pytest.mark.parametrize("value", KNOWN_BAD)
def test_known_attacks_are_refused(value):
    assert safe_target(value) is None


@pytest.mark.parametrize("value", KNOWN_GOOD)
def test_our_own_paths_are_kept(value):
    assert safe_target(value) == value
    assert stays_home(value)


@given(st.from_regex(r"\A/[a-z0-9/_.-]{0,30}(\?[a-z]{1,6}=[a-z0-9._-]{0,10}(&[a-z]{1,6}=[a-z0-9]{0,5})?)?\Z"))
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_plain_paths_are_accepted(path):
    expected = None if path.startswith("//") else path
    assert safe_target(path) == expected


@pytest.mark.parametrize("value", [None, 1, b"/panel", ["/panel"]])
def test_not_a_string_is_refused(value):
    assert safe_target(value) is None


# --- Through the routes ------------------------------------------------------------------

# The attacks as the view reads them (the test client encodes them in the query or form).
ATTACKS = [
    "/\t/evil.example", "/%09/evil.example", "//evil.example/x", "/\\evil.example", "\t//evil.example",
    "javascript:alert(1)", "/\n/evil.example", "/\r\n//evil.example", "https://evil.example/",
    "/%2F%2Fevil.example", "\\\\evil.example", " //evil.example",
]
LOCAL_HOST = "http://localhost/ingresar"


def _location_stays_home(response) -> bool:
    assert response.status_code in (302, 303), response.status_code
    return stays_home(response.headers["Location"], LOCAL_HOST)


def _report(route: str, count: int) -> None:
    print(f"\nTRUST redirects {route}: {count} hostile targets, every answer a redirect on our site")


def test_signed_in_login_page_with_next(trust_app, world):
    client = signed_in(trust_app, world.a.students["A1"])
    # The request byte for byte: the query decodes %09 to a tab.
    raw = client.get("/ingresar?next=/%09/evil.example")
    assert _location_stays_home(raw)
    assert urlsplit(raw.headers["Location"]).path == "/panel"
    for value in ATTACKS:
        response = client.get("/ingresar", query_string={"next": value})
        assert _location_stays_home(response), (value, response.headers["Location"])
    _report("GET /ingresar signed in", len(ATTACKS) + 1)
    ours = client.get("/ingresar", query_string={"next": "/estudiante/postulaciones"})
    assert ours.headers["Location"] == "/estudiante/postulaciones"


def test_sign_in_with_next(trust_app, world):
    user = world.a.students["A2"]
    for value in ATTACKS:
        client = trust_app.test_client()
        response = client.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD,
                                                  "next": value})
        assert _location_stays_home(response), (value, response.headers["Location"])
        assert urlsplit(response.headers["Location"]).path == "/panel"
    _report("POST /ingresar (sign-in)", len(ATTACKS))
    client = trust_app.test_client()
    response = client.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD,
                                              "next": "/estudiante/postulaciones"})
    assert response.headers["Location"] == "/estudiante/postulaciones"


def test_login_page_does_not_carry_a_hostile_next(trust_app):
    client = trust_app.test_client()
    for value in ATTACKS:
        body = client.get("/ingresar", query_string={"next": value}).get_data(as_text=True)
        assert "evil.example" not in body and "javascript:" not in body


def test_employer_status_change_with_back(trust_app, world):
    client = signed_in(trust_app, world.a.employer)
    application = world.a.application
    url = f"/empresa/postulaciones/{application.id}/estado"
    pipeline = f"/empresa/ofertas/{application.opening_id}/postulantes"
    for value in ATTACKS:
        response = client.post(url, data={"back": value})
        assert _location_stays_home(response), (value, response.headers["Location"])
        assert urlsplit(response.headers["Location"]).path == pipeline
    _report("POST /empresa/postulaciones/<id>/estado (back)", len(ATTACKS))
    own_page = f"/empresa/postulaciones/{application.id}"
    assert client.post(url, data={"back": own_page}).headers["Location"] == own_page


def test_company_queue_with_next(trust_app, world):
    client = signed_in(trust_app, world.admin)
    url = f"/admin/empresas/{world.a.company.id}/verificar"
    attacks = ATTACKS + ["/admin/empresas/\t/evil.example", "/admin/empresas\\evil.example"]
    for value in attacks:
        response = client.post(url, data={"next": value})
        assert _location_stays_home(response), (value, response.headers["Location"])
        assert urlsplit(response.headers["Location"]).path == "/admin/empresas"
    _report("POST /admin/empresas/<id>/verificar (next)", len(attacks))
    same_page = "/admin/empresas?estado=verified&pagina=2"
    assert client.post(url, data={"next": same_page}).headers["Location"] == same_page


def test_a_stored_notification_link_is_checked_again(trust_app, world):
    user = world.a.students["A3"]
    client = signed_in(trust_app, user)
    for value in ATTACKS:
        # Written around notify(), which refuses such links: an old row, a manual fix.
        row = Notification(user_id=user.id, kind="trust", message="Aviso", url=value)
        db.session.add(row)
        db.session.commit()
        for method in (client.get, client.post):
            response = method(f"/notificaciones/{row.id}/abrir")
            assert _location_stays_home(response), (value, response.headers["Location"])
            assert urlsplit(response.headers["Location"]).path == "/notificaciones"
    _report("GET and POST /notificaciones/<id>/abrir (stored link)", 2 * len(ATTACKS))
