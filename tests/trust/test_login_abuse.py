"""Login and account abuse: failed sign-ins throttled so that an attacker cannot turn the
throttle against the owner (portal/accounts/throttle.py; 429 in Spanish), no account
enumeration through sign-in or password reset, a new session at sign-in, sign-out that
really ends the session, and reset links that work once and expire.

These run on the ordinary per-test `app` (rate limits on, memory storage), not on the
trust world, because every test needs fresh limit counters. Time moves with the frozen
clock. The tests that send hundreds of sign-ins check passwords with a cheap stand-in for
scrypt (`fast_passwords`): what they measure is the throttle, not the hash.
"""
from __future__ import annotations

import pprint
import re
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts import passwords, throttle
from portal.extensions import db
from portal.models import OutboxEmail
from portal.roster import services as roster_services
from tests import factories
from tests.helpers.trust import changed_tables, error_messages, snapshot, spanish_problem
from tests.helpers.web import HTMX, csrf_from

WRONG = "no-es-la-clave-123"


LIMITED = "Demasiados intentos"
PAIR_LIMIT = 5  # LOGIN_LIMIT_PER_PAIR: 5 per 15 minutes
ACCOUNT_LIMIT = 50  # LOGIN_LIMIT_PER_ACCOUNT: 50 per hour
ADDRESS_LIMIT = 300  # LOGIN_LIMIT_PER_ADDRESS: 300 per 15 minutes
DELAY_AFTER = 10  # LOGIN_DELAY_AFTER
ALERT_AFTER = 10  # LOGIN_ALERT_AFTER
T0 = datetime(2026, 11, 2, 9, 0)  # Lima; 14:00 UTC, the start of every window
ALERT_SUBJECT = "Alguien está intentando entrar a tu cuenta de Enlace CETPRO"


def _login(client, email, password=WRONG, address="192.0.2.10", htmx=False):
    return client.post("/ingresar", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=HTMX if htmx else {})


def _assert_limited(client, response):
    assert response.status_code == 429, response.status_code
    messages = error_messages(response, client)
    assert spanish_problem(messages) is None, messages
    assert LIMITED in " ".join(messages)
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def fast_passwords(monkeypatch):
    """Password checks without scrypt's cost (the factories' users all share one password)."""
    def check(pwhash: str, password: str) -> bool:
        return pwhash == factories.password_hash() and password == factories.PASSWORD

    import portal.models

    monkeypatch.setattr(portal.models, "check_password_hash", check)
    monkeypatch.setattr(passwords, "check_password_hash", check)


def _alerts(email: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == email,
                                                             OutboxEmail.subject == ALERT_SUBJECT)))


def test_limits_match_the_configuration(app):
    """The numbers these tests count to are the configured ones."""
    assert app.config["LOGIN_LIMIT_PER_PAIR"] == f"{PAIR_LIMIT} per 15 minutes"
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == f"{ACCOUNT_LIMIT} per hour"
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == f"{ADDRESS_LIMIT} per 15 minutes"
    assert app.config["LOGIN_DELAY_AFTER"] == DELAY_AFTER
    assert app.config["LOGIN_ALERT_AFTER"] == ALERT_AFTER
    assert app.config["KNOWN_DEVICE_MAX_AGE"] == 180 * 86400


def test_one_machine_guessing_one_account_waits_and_nobody_else_does(app, client, frozen_clock):
    """Five failures from one address on one account (the email typed four ways): that pair
    gets 429 in Spanish with Retry-After, page and fragment, even with the right password; the
    owner elsewhere, and other accounts from that address, sign in. After 15 minutes the
    pair may try again."""
    frozen_clock(T0)
    user = factories.student(email="victima@example.pe")
    spellings = ["victima@example.pe", "VICTIMA@example.pe", " victima@example.pe ", "Victima@Example.PE"]
    for i in range(PAIR_LIMIT):
        assert _login(client, spellings[i % len(spellings)], htmx=i % 2 == 1).status_code == 422
    for htmx in (False, True):
        _assert_limited(client, _login(client, user.email, htmx=htmx))
        # The right password waits too, so the answer does not tell a right guess from a wrong one.
        _assert_limited(client, _login(client, user.email, factories.PASSWORD, htmx=htmx))
    assert client.get("/estudiante").status_code == 302
    assert _login(app.test_client(), user.email, factories.PASSWORD, address="198.51.100.7").status_code == 303
    other = factories.student()
    assert _login(app.test_client(), other.email, factories.PASSWORD).status_code == 303
    frozen_clock(T0 + timedelta(minutes=15))
    assert _login(client, user.email, factories.PASSWORD).status_code == 303


def test_the_owner_on_a_known_device_signs_in_during_an_attack(app, frozen_clock, fast_passwords):
    """An attacker spreads guesses on one account over 120 addresses, one every 10 seconds
    for an hour (360 tries): the growing delays and the per-account ceiling let at most 50
    passwords be checked. Meanwhile the owner, on the phone where she signed in before, signs
    in every 10 minutes with her password and is never held; on a new device she is held and
    told to use the reset link, which gets her in."""
    frozen_clock(T0)
    owner = factories.student(email="duena@example.pe")
    phone = app.test_client()
    assert _login(phone, owner.email, factories.PASSWORD, address="181.65.10.20").status_code == 303
    assert phone.get_cookie(throttle.DEVICE_COOKIE) is not None
    phone.post("/salir")
    attacker = app.test_client()
    answers, owner_answers = [], []
    for n in range(360):
        frozen_clock(T0 + timedelta(seconds=10 * n))
        answers.append(_login(attacker, owner.email, address=f"203.0.113.{n % 120}").status_code)
        if n % 60 == 30:  # the owner, on her phone (on another network each time)
            owner_answers.append(_login(phone, owner.email, factories.PASSWORD, address=f"181.65.{n}.9").status_code)
            phone.post("/salir")
    checked, held = answers.count(422), answers.count(429)
    assert checked + held == 360 and DELAY_AFTER < checked <= ACCOUNT_LIMIT, (checked, held)
    assert owner_answers == [303] * 6
    new_device = app.test_client()
    refused = _login(new_device, owner.email, factories.PASSWORD, address="190.40.1.1")
    _assert_limited(new_device, refused)
    assert "Olvidaste tu contraseña" in refused.get_data(as_text=True)
    link = passwords.reset_token(owner)
    assert new_device.post(f"/recuperar/{link}", data={"password": "clave nueva y larga 1",
                                                       "confirm": "clave nueva y larga 1"}).status_code == 303
    assert new_device.get("/estudiante").status_code == 200
    assert len(_alerts(owner.email)) == 1
    print(f"TRUST login attack: {len(answers)} wrong passwords on one account from 120 addresses in an hour: "
          f"{checked} checked, {held} held (429); the owner on her known device: {owner_answers.count(303)} of "
          f"{len(owner_answers)} sign-ins went through; on a new device: 429, then in through the reset link; "
          f"{len(_alerts(owner.email))} alert email")


def test_delays_grow_with_each_failure_on_an_account(app, frozen_clock, fast_passwords):
    """Past LOGIN_DELAY_AFTER failures an account takes one attempt per delay, the delay
    doubling: 1, 2, 4, 8 … seconds (at most a minute); sooner gets 429 with Retry-After."""
    frozen_clock(T0)
    user = factories.student()
    client = app.test_client()
    for n in range(DELAY_AFTER):
        assert _login(client, user.email, address=f"198.51.100.{n}").status_code == 422
    at, waits = T0, []
    for n in range(8):
        refused = _login(client, user.email, factories.PASSWORD, address=f"203.0.113.{n}")
        _assert_limited(client, refused)
        waits.append(int(refused.headers["Retry-After"]))
        frozen_clock(at + timedelta(seconds=waits[-1] - 1))
        _assert_limited(client, _login(client, user.email, address=f"203.0.113.{n}"))
        at += timedelta(seconds=waits[-1])
        frozen_clock(at)
        assert _login(client, user.email, address=f"192.0.2.{n}").status_code == 422
        _assert_limited(client, _login(client, user.email, address=f"192.0.2.{n + 100}"))
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    assert max(waits) <= throttle.MAX_DELAY
    print(f"TRUST login delays: after {DELAY_AFTER} failures on one account, waits of {waits} seconds between tries")


def test_a_shared_address_does_not_block_its_honest_people(app, frozen_clock, fast_passwords):
    """Behind one carrier NAT, 150 people each mistype their password once and then sign
    in: nobody is held. One machine there spraying a password over many accounts is held
    at LOGIN_LIMIT_PER_ADDRESS; another address is not."""
    frozen_clock(T0)
    carrier = "10.64.0.1"
    people = [factories.student() for _ in range(150)]
    answers = []
    for person in people:
        browser = app.test_client()
        answers.append(_login(browser, person.email, address=carrier).status_code)
        answers.append(_login(browser, person.email, factories.PASSWORD, address=carrier).status_code)
    assert answers == [422, 303] * len(people)
    sprayer = app.test_client()
    spray = [_login(sprayer, f"persona{i}@example.pe", address="192.0.2.50").status_code
             for i in range(ADDRESS_LIMIT + 2)]
    assert spray == [422] * ADDRESS_LIMIT + [429] * 2
    _assert_limited(sprayer, _login(sprayer, people[0].email, factories.PASSWORD, address="192.0.2.50"))
    assert _login(app.test_client(), people[0].email, factories.PASSWORD, address="192.0.2.51").status_code == 303
    print(f"TRUST login shared address: {len(people)} people behind one address, one typo each: "
          f"{answers.count(303)} signed in, {answers.count(429)} held; one address spraying "
          f"{len(spray)} accounts: {spray.count(422)} checked, then 429")


def test_the_owner_is_told_once_per_window(app, frozen_clock, fast_passwords):
    """At LOGIN_ALERT_AFTER failures the owner gets one Spanish email with a link to change
    the password; 30 more failures in the same hour send nothing more; the next hour's attack
    sends one more. An email nobody owns is never written to."""
    frozen_clock(T0)
    owner = factories.student(email="alertada@example.pe")
    client = app.test_client()

    def attack(start: datetime, tries: int) -> None:
        for n in range(tries):
            frozen_clock(start + timedelta(seconds=61 * n))
            _login(client, owner.email, address=f"198.51.100.{n}")
            _login(client, "nadie.existe@example.pe", address=f"198.51.100.{n}")

    attack(T0, ALERT_AFTER - 1)
    assert _alerts(owner.email) == []
    attack(T0 + timedelta(minutes=10), 1 + 30)
    alerts = _alerts(owner.email)
    assert len(alerts) == 1
    body = alerts[0].body_text
    assert "Alguien está intentando entrar a tu cuenta" in body and "http://localhost/recuperar" in body
    assert WRONG not in body
    attack(T0 + timedelta(hours=1), ALERT_AFTER)
    assert len(_alerts(owner.email)) == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)
                             .where(OutboxEmail.to_address == "nadie.existe@example.pe")) == 0
    print(f"TRUST login alert: {2 * ALERT_AFTER + 30} failures over two hours: {len(_alerts(owner.email))} "
          "alert emails, one per window; none for an email without an account")


def test_a_device_is_known_only_to_its_own_accounts(app, frozen_clock):
    """The attacker's own known-device cookie, a tampered one, or an expired one buys nothing
    on another account: the pair limit holds."""
    frozen_clock(T0)
    victim, own = factories.student(), factories.student()
    attacker = app.test_client()
    assert _login(attacker, own.email, factories.PASSWORD).status_code == 303
    cookie = attacker.get_cookie(throttle.DEVICE_COOKIE).value
    for _ in range(PAIR_LIMIT):
        assert _login(attacker, victim.email).status_code == 422
    _assert_limited(attacker, _login(attacker, victim.email))
    attacker.set_cookie(throttle.DEVICE_COOKIE, cookie[:-4] + "AAAA")
    _assert_limited(attacker, _login(attacker, victim.email))
    now = time.time()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: now - app.config["KNOWN_DEVICE_MAX_AGE"] - 60)
        with app.test_request_context():
            from flask import make_response

            old = throttle.remember_device(make_response(""), victim).headers["Set-Cookie"]
    attacker.set_cookie(throttle.DEVICE_COOKIE, old.split(";")[0].split("=", 1)[1])
    _assert_limited(attacker, _login(attacker, victim.email))


def test_the_store_holds_no_email_and_no_long_key(app, client):
    """Counters name an account by a short digest: the store keeps no email, and 100,000
    characters typed as an email make a key as short as any other."""
    from portal.extensions import limiter

    huge = "a" * 100_000 + "@example.pe"
    assert _login(client, huge).status_code == 422
    assert _login(client, "visible@example.pe").status_code == 422
    keys = [key for key in limiter.storage.storage if "signin/" in key]
    assert keys and max(map(len, keys)) < 200
    assert not any("example.pe" in key for key in keys)


def test_with_the_store_down_sign_in_works_and_stays_throttled(app, client, frozen_clock, monkeypatch, caplog):
    """Redis gone: no sign-in fails (no 500), the process counts in its own memory meanwhile
    (the pair still waits after 5 failures), and the log says why."""
    from limits.storage import MemoryStorage

    from portal.extensions import limiter

    class Down:
        def __getattr__(self, name):
            def refuse(*args, **kwargs):
                raise ConnectionError("Redis is not answering")
            return refuse

    memory = MemoryStorage()
    monkeypatch.setattr(throttle, "_fallback", lambda: memory)
    monkeypatch.setattr(limiter, "_storage", Down())
    frozen_clock(T0)
    user = factories.student()
    assert [_login(client, user.email).status_code for _ in range(PAIR_LIMIT)] == [422] * PAIR_LIMIT
    _assert_limited(client, _login(client, user.email, factories.PASSWORD))
    assert _login(app.test_client(), user.email, factories.PASSWORD, address="198.51.100.3").status_code == 303
    assert "rate-limit store is unavailable" in caplog.text


def test_successful_logins_are_not_counted(app, client, frozen_clock):
    """Many good sign-ins from one address for one account: never held; and the right
    password forgives that browser's earlier typos."""
    frozen_clock(T0)
    user = factories.student()
    for _ in range(PAIR_LIMIT - 1):
        assert _login(client, user.email).status_code == 422
    for _ in range(PAIR_LIMIT + 3):
        session = app.test_client()
        assert _login(session, user.email, factories.PASSWORD).status_code == 303
    assert [_login(client, user.email).status_code for _ in range(PAIR_LIMIT)] == [422] * PAIR_LIMIT
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
    real_generate = werkzeug.security.generate_password_hash

    def counting(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(werkzeug.security, "check_password_hash", counting)
    monkeypatch.setattr(portal.models, "check_password_hash", counting)
    monkeypatch.setattr(passwords, "check_password_hash", counting)
    known = factories.student()
    known.password_hash = real_generate(factories.PASSWORD)  # the portal's own cost, not the factories'
    db.session.commit()
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


TIMED = {"Date", "Retry-After", "X-RateLimit-Reset", "X-Request-ID"}  # the clock (or a fresh random id), not the accounts, moves these


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
