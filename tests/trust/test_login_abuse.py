"""Login and account abuse: rate limits per account and per address (429 in Spanish),
no account enumeration through sign-in or password reset, a new session at sign-in,
sign-out that really ends the session, and reset links that work once and expire.

These run on the ordinary per-test `app` (rate limits on, memory storage), not on the
trust world, because every test needs fresh limit counters.
"""
from __future__ import annotations

import pprint
import re
import time

import pytest
from sqlalchemy import select

from portal.accounts import passwords
from portal.extensions import db
from portal.models import OutboxEmail
from portal.roster import services as roster_services
from tests import factories
from tests.helpers.trust import changed_tables, error_messages, snapshot, spanish_problem
from tests.helpers.web import HTMX, csrf_from

WRONG = "no-es-la-clave-123"


LIMITED = "Demasiados intentos"
ACCOUNT_LIMIT = 5   # LOGIN_LIMIT_PER_ACCOUNT: 5 per 15 minutes
ADDRESS_LIMIT = 20  # LOGIN_LIMIT_PER_ADDRESS: 20 per 15 minutes


def _login(client, email, password=WRONG, address="192.0.2.10", htmx=False):
    return client.post("/ingresar", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=HTMX if htmx else {})


def _assert_limited(client, response):
    assert response.status_code == 429, response.status_code
    messages = error_messages(response, client)
    assert spanish_problem(messages) is None, messages
    assert LIMITED in " ".join(messages)
    assert int(response.headers["Retry-After"]) > 0


def test_limits_match_the_configuration(app):
    """The numbers these tests count to are the configured ones."""
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == f"{ACCOUNT_LIMIT} per 15 minutes"
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == f"{ADDRESS_LIMIT} per 15 minutes"


def test_failures_on_one_account_are_limited_from_any_address(client):
    """Guessing one account's password from many addresses (a botnet) hits the account limit;
    the e-mail is compared as the login compares it (case and spaces do not make a new key)."""
    user = factories.student(email="victima@example.pe")
    spellings = ["victima@example.pe", "VICTIMA@example.pe", " victima@example.pe ", "Victima@Example.PE"]
    for i in range(ACCOUNT_LIMIT):
        response = _login(client, spellings[i % len(spellings)], address=f"198.51.100.{i}", htmx=i % 2 == 1)
        assert response.status_code == 422
    for htmx in (False, True):
        _assert_limited(client, _login(client, user.email, address="203.0.113.99", htmx=htmx))
        # The right password waits too, so the answer does not tell a right guess from a wrong one.
        _assert_limited(client, _login(client, user.email, factories.PASSWORD, address="203.0.113.98", htmx=htmx))
    assert client.get("/estudiante").status_code == 302
    # Another account is not locked by this one's failures.
    other = factories.student()
    assert _login(client, other.email, factories.PASSWORD, address="203.0.113.97").status_code == 303


def test_failures_from_one_address_are_limited_across_accounts(app, client):
    """Spraying one password over many accounts from one address hits the address limit;
    another address is not affected."""
    victim = factories.student()
    for i in range(ADDRESS_LIMIT):
        assert _login(client, f"persona{i}@example.pe", address="192.0.2.50", htmx=i % 2 == 1).status_code == 422
    for htmx in (False, True):
        _assert_limited(client, _login(client, victim.email, factories.PASSWORD, address="192.0.2.50", htmx=htmx))
    elsewhere = app.test_client()
    assert _login(elsewhere, victim.email, factories.PASSWORD, address="192.0.2.51").status_code == 303


def test_successful_logins_are_not_counted(app, client):
    """Many good sign-ins from one address for one account: never limited, and failures
    before them still leave room for the person who then remembers the password."""
    user = factories.student()
    for _ in range(ACCOUNT_LIMIT - 1):
        assert _login(client, user.email).status_code == 422
    for _ in range(ADDRESS_LIMIT + ACCOUNT_LIMIT):
        session = app.test_client()
        assert _login(session, user.email, factories.PASSWORD).status_code == 303
    assert _login(client, user.email).status_code == 422  # the fifth failure still gets the form
    _assert_limited(client, _login(client, user.email))


def test_password_reset_and_registration_are_limited(client):
    for _ in range(10):
        assert client.post("/recuperar", data={"email": "alguien@example.pe"}).status_code == 303
    _assert_limited(client, client.post("/recuperar", data={"email": "alguien@example.pe"}))
    for path in ("/registro/estudiante", "/registro/empresa"):
        for _ in range(20):
            assert client.post(path, data={"email": "x"}).status_code == 422
        _assert_limited(client, client.post(path, data={"email": "x"}, headers=HTMX))


# --- Enumeration ------------------------------------------------------------------------------


def _normalized(response, *typed: str) -> str:
    """The body without what differs by construction: the CSRF token and what was typed."""
    body = response.get_data(as_text=True)
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", body)
    body = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1", body)
    for value in typed:
        body = body.replace(value, "")
    return body


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_login_answers_the_same_for_unknown_wrong_and_inactive(app, htmx):
    known = factories.student(email="conocida@example.pe")
    inactive = factories.student(email="inactiva@example.pe")
    inactive.active = False
    db.session.commit()
    answers = {}
    for label, email, password in [("wrong password", known.email, WRONG),
                                   ("unknown email", "desconocida@example.pe", WRONG),
                                   ("inactive account", inactive.email, factories.PASSWORD)]:
        client = app.test_client()
        response = _login(client, email, password, htmx=htmx)
        answers[label] = (response.status_code, sorted(response.headers.keys()), _normalized(response, email))
    assert len(set(map(repr, answers.values()))) == 1, {k: v[0] for k, v in answers.items()}
    assert answers["wrong password"][0] == 422


def test_login_hashes_once_whether_or_not_the_account_exists(app, client, monkeypatch):
    """The same work for an unknown email (a dummy hash) as for a wrong password: no
    enumeration by timing."""
    import werkzeug.security

    import portal.models
    from portal.accounts import passwords

    calls = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(werkzeug.security, "check_password_hash", counting)
    monkeypatch.setattr(portal.models, "check_password_hash", counting)
    monkeypatch.setattr(passwords, "check_password_hash", counting)
    known = factories.student()
    _login(client, known.email)
    _login(app.test_client(), "nadie.aqui@example.pe")
    assert len(calls) == 2
    assert calls[0].split("$")[0] == calls[1].split("$")[0]  # the same method and cost


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_password_reset_answers_the_same_for_known_and_unknown(app, htmx):
    known = factories.student(email="tiene.cuenta@example.pe")
    inactive = factories.student(email="inactiva.reset@example.pe")
    inactive.active = False
    db.session.commit()
    answers = {}
    for email in (known.email, "no.tiene@example.pe", inactive.email):
        client = app.test_client()
        response = client.post("/recuperar", data={"email": email}, headers=HTMX if htmx else {})
        with client.session_transaction() as session:
            flashes = session.get("_flashes")
        answers[email] = (response.status_code, response.headers.get("Location"), flashes)
    assert len(set(map(repr, answers.values()))) == 1, answers
    assert answers[known.email][0] == 303
    recipients = set(db.session.scalars(select(OutboxEmail.to_address)))
    assert recipients == {known.email}


SAME_LENGTH = 18  # every typed email below has 18 characters, so Content-Length must match too


def _session_of(app, response) -> dict:
    """The session a response sets, its values that differ by construction masked."""
    cookie = next((v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session=")), None)
    if cookie is None:
        return {}
    data = app.session_interface.get_signing_serializer(app).loads(cookie.split(";")[0].split("=", 1)[1])
    return {k: ("…" if k in ("csrf_token", "registration_email") else v) for k, v in data.items()}


TIMED = {"Date", "Retry-After", "X-RateLimit-Reset"}  # the clock, not the accounts, moves these


def _headers_of(response) -> list:
    return sorted((k, "…" if k in TIMED else re.sub(r"^session=[^;]*", "session=…", v))
                  for k, v in response.headers.items())


def _difference(a, b) -> str:
    import difflib

    lines = difflib.unified_diff(pprint.pformat(a, width=100).splitlines(), pprint.pformat(b, width=100).splitlines(),
                                 lineterm="", n=0)
    return "\n".join(list(lines)[2:12])


def _sign_up(app, path: str, form: dict, htmx: bool, address: str) -> tuple:
    """POST a valid sign-up from a fresh browser (each from its own address, so the rate
    limit counts the same) and follow the redirect: everything a visitor can observe, with
    the CSRF token, the typed email and cookie values masked."""
    client = app.test_client()
    headers = HTMX if htmx else {}
    environ = {"REMOTE_ADDR": address}
    posted = client.post(path, data=dict(form), headers=headers, environ_base=environ)
    page = client.get(posted.headers.get("Location", "/"), headers=headers, environ_base=environ)
    return tuple((r.status_code, _headers_of(r), _session_of(app, r), _normalized(r, form["email"]))
                 for r in (posted, page))


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_registration_answers_the_same_whoever_has_an_account(app, htmx, monkeypatch):
    """Student sign-up with a new email, a confirmed account's email, an unconfirmed
    account's email and a taken DNI; employer sign-up with a new email (new company and
    joining one), a confirmed and an unconfirmed email. Every answer (status, headers,
    session, body) is the same but for the email typed; only a new email writes anything
    but its one email, and every path hashes the password once."""
    import portal.accounts.registration as registration

    hashes = []
    real_hash = registration.generate_password_hash
    monkeypatch.setattr(registration, "generate_password_hash",
                        lambda password: hashes.append(1) or real_hash(password))
    cetpro, programme = factories.cetpro(), factories.programme()
    existing = factories.company(ruc=factories.RUCS[1], legal_name="Ya Registrada S.A.C.")
    factories.student(cetpro, email="con.cuenta@mail.pe", document_number="45678900")
    factories.employer(existing, email="emp.cuenta@mail.pe")
    factories.student(cetpro, email="sin.activa@mail.pe").email_confirmed_at = None
    factories.employer(existing, email="emp.activa@mail.pe").email_confirmed_at = None
    db.session.commit()
    student = {"first_names": "Ana", "last_names": "Quispe", "password": "una clave bastante larga",
               "cetpro_id": str(cetpro.id), "programme_id": str(programme.id), "document_type": "dni"}
    employer = {"first_names": "Luis", "last_names": "Rojas", "password": "tableros del sur 2026",
                "legal_name": "Electro Nueva S.A.C."}
    cases = {
        "student, new": ("/registro/estudiante", {**student, "email": "nueva.estu@mail.pe", "document_number": "45678911"}, True),
        "student, confirmed email": ("/registro/estudiante", {**student, "email": "con.cuenta@mail.pe", "document_number": "45678912"}, False),
        "student, unconfirmed email": ("/registro/estudiante", {**student, "email": "sin.activa@mail.pe", "document_number": "45678913"}, False),
        "student, taken DNI": ("/registro/estudiante", {**student, "email": "otra.perso@mail.pe", "document_number": "45678900"}, False),
        "employer, new company": ("/registro/empresa", {**employer, "email": "nueva.empr@mail.pe", "ruc": factories.RUCS[0]}, True),
        "employer, joins": ("/registro/empresa", {**employer, "email": "se.une.ya1@mail.pe", "ruc": existing.ruc}, True),
        "employer, confirmed email": ("/registro/empresa", {**employer, "email": "emp.cuenta@mail.pe", "ruc": factories.RUCS[2]}, False),
        "employer, unconfirmed email": ("/registro/empresa", {**employer, "email": "emp.activa@mail.pe", "ruc": factories.RUCS[3]}, False),
    }
    answers = {}
    for n, (label, (path, form, creates)) in enumerate(cases.items()):
        assert len(form["email"]) == SAME_LENGTH, label
        before, hashed = snapshot(), len(hashes)
        emails_before = set(db.session.scalars(select(OutboxEmail.id)))
        answers[label] = _sign_up(app, path, form, htmx, f"198.51.100.{n}")
        changed = changed_tables(before, snapshot())
        assert len(hashes) - hashed == 1, label
        new_emails = list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.not_in(emails_before))))
        assert [e.to_address for e in new_emails] == [form["email"]], label
        if creates:
            assert {"users", "outbox_emails", "audit_events"} <= set(changed), (label, changed)
        else:
            assert changed == ["outbox_emails"], (label, changed)
    student_answers = {k: v for k, v in answers.items() if k.startswith("student")}
    employer_answers = {k: v for k, v in answers.items() if k.startswith("employer")}
    for group in (student_answers, employer_answers):
        (first, expected), *others = group.items()
        for label, answer in others:
            assert answer == expected, f"{label} differs from {first}: {_difference(expected, answer)}"
    posted, page = answers["student, new"]
    assert posted[0] == 303 and page[0] == 200
    assert "_user_id" not in page[2]  # nobody is signed in by signing up
    print(f"TRUST registration: {len(cases)} cases ({len(student_answers)} student, {len(employer_answers)} "
          f"employer), {'fragment' if htmx else 'page'}: one answer per form, one hash and one email each")


# --- Sessions ---------------------------------------------------------------------------------


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_signing_in_starts_a_new_session(client):
    """The session before sign-in (which someone may have planted) is not the one after:
    its cookie does not sign anyone in, and its CSRF token no longer works."""
    page = client.get("/ingresar")
    old_token = csrf_from(page.get_data(as_text=True))
    old_cookie = _cookie(client)
    user = factories.student()
    response = client.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD,
                                              "csrf_token": old_token}, csrf=False)
    assert response.status_code == 303
    assert _cookie(client) != old_cookie
    assert client.get("/estudiante").status_code == 200
    refused = client.post("/notificaciones/leer-todas", data={"csrf_token": old_token}, csrf=False)
    assert refused.status_code == 400 and "Recarga la página" in refused.get_data(as_text=True)
    # The planted (pre-login) cookie is still anonymous.
    client.set_cookie("session", old_cookie)
    assert client.get("/estudiante").status_code == 302


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, client):
    """A cookie copied while signed in (a shared computer, a stolen cookie) stops working
    when its owner signs out."""
    user = factories.student()
    assert _login(client, user.email, factories.PASSWORD).status_code == 303
    token = client.csrf_token()
    copied = _cookie(client)
    assert client.post("/salir").status_code == 303
    assert client.get("/estudiante").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/estudiante").status_code == 302
    response = thief.post("/notificaciones/leer-todas", data={"csrf_token": token}, csrf=False)
    assert response.status_code in (302, 303) and "/ingresar" in response.headers["Location"]
    # Signing in again works as usual.
    assert _login(client, user.email, factories.PASSWORD).status_code == 303
    assert client.get("/estudiante").status_code == 200


# --- Password reset links ------------------------------------------------------------------------


def _link(email: str) -> str:
    body = db.session.scalars(select(OutboxEmail.body_text).where(OutboxEmail.to_address == email)
                              .order_by(OutboxEmail.id.desc())).first()
    return re.search(r"http://localhost(/recuperar/\S+)", body).group(1)


def _refused_link(client, link: str) -> None:
    response = client.get(link)
    assert response.status_code == 303 and response.headers["Location"] == "/recuperar"
    messages = error_messages(response, client)
    assert "El enlace venció o ya fue usado" in " ".join(messages)
    posted = client.post(link, data={"password": "clave nueva muy larga", "confirm": "clave nueva muy larga"})
    assert posted.status_code == 303 and posted.headers["Location"] == "/recuperar"


def test_a_reset_link_works_once_and_ends_every_other_link(app, client, monkeypatch):
    user = factories.student()
    now = time.time()
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: now - 120)
        client.post("/recuperar", data={"email": user.email})
    first = _link(user.email)
    client.post("/recuperar", data={"email": user.email})
    second = _link(user.email)
    assert first != second
    done = client.post(second, data={"password": "clave nueva muy larga", "confirm": "clave nueva muy larga"})
    assert done.status_code == 303
    other = app.test_client()
    _refused_link(other, second)
    _refused_link(other, first)
    assert _login(other, user.email, "clave nueva muy larga").status_code == 303


def test_a_reset_link_expires(app, client, monkeypatch):
    user = factories.student()
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    tokens, now = {}, time.time()
    for label, age in (("almost expired", max_age - 60), ("expired", max_age + 60)):
        with monkeypatch.context() as patch:
            patch.setattr("itsdangerous.timed.time.time", lambda age=age: now - age)
            tokens[label] = passwords.reset_token(user)
    assert client.get(f"/recuperar/{tokens['almost expired']}").status_code == 200
    _refused_link(client, f"/recuperar/{tokens['expired']}")


def test_other_signed_links_are_not_reset_links(client):
    """A token signed for another purpose (a roster welcome link) opens no reset form."""
    user = factories.student()
    welcome = roster_services.invitation_token(user.id, user.password_hash)
    for token in [welcome, client.csrf_token(), "x" * 400]:
        _refused_link(client, f"/recuperar/{token}")
