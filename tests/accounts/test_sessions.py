"""How long a signed-in session lasts: SESSION_MAX_AGE after signing in whatever the activity,
and STAFF_IDLE_TIMEOUT without a request for coordinators and admins. Times move with the
frozen clock, never by sleeping."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import select

from portal.accounts import confirmation, passwords, sessions
from portal.extensions import db
from portal.models import Notification
from portal.roster.services import invitation_token
from tests import factories

T0 = datetime(2026, 11, 2, 9, 0)  # Lima time
EXPIRED = "Tu sesión venció; ingresa otra vez."


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _sent_to_sign_in(client, response, path: str | None) -> None:
    """`response` ends the session: to /ingresar (with `next` for a GET) and the reason said."""
    assert response.status_code in (302, 303), response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.path == "/ingresar"
    assert parse_qs(location.query) == ({"next": [path]} if path else {})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert EXPIRED in page


def test_defaults(app):
    assert app.config["SESSION_MAX_AGE"] == 30 * 86400
    assert app.config["STAFF_IDLE_TIMEOUT"] == 8 * 3600
    assert app.permanent_session_lifetime == timedelta(days=30)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_a_session_ends_thirty_days_after_signing_in_however_active(client, auth, frozen_clock):
    """A student who uses the portal every day is still asked to sign in again after 30 days;
    a copy of the cookie stops working then too."""
    user = factories.student()
    frozen_clock(T0)
    assert auth.login(user).status_code == 303
    for day in range(1, 30):
        frozen_clock(T0 + timedelta(days=day) - timedelta(minutes=1))
        assert client.get("/estudiante").status_code == 200, f"day {day}"
    copied = client.get_cookie("session").value
    frozen_clock(T0 + timedelta(days=30))
    _sent_to_sign_in(client, client.get("/estudiante/postulaciones?estado=activas"),
                     "/estudiante/postulaciones?estado=activas")
    assert client.get("/estudiante").status_code == 302
    thief = client.application.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/estudiante").status_code == 302
    # Signing in again starts a new 30 days.
    assert auth.login(user).status_code == 303
    frozen_clock(T0 + timedelta(days=59))
    assert client.get("/estudiante").status_code == 200


@pytest.mark.parametrize("make, page", [(factories.coordinator, "/coordinador"), (factories.admin, "/admin")])
def test_staff_are_signed_out_after_eight_idle_hours(client, auth, frozen_clock, make, page):
    user = make()
    frozen_clock(T0)
    assert auth.login(user).status_code == 303
    at = T0
    for _ in range(4):  # working through the day: each request renews the idle time
        at += timedelta(hours=7, minutes=58)
        frozen_clock(at)
        assert client.get(page).status_code == 200
    frozen_clock(at + timedelta(hours=8))
    _sent_to_sign_in(client, client.get(page + "?pagina=2"), page + "?pagina=2")
    assert client.get(page).status_code == 302


def test_students_and_employers_are_not_signed_out_for_being_idle(app, frozen_clock):
    frozen_clock(T0)
    for make, page in ((factories.student, "/estudiante"), (factories.employer, "/empresa")):
        client = app.test_client()
        client.post("/ingresar", data={"email": make().email, "password": factories.PASSWORD})
        frozen_clock(T0 + timedelta(days=3))
        assert client.get(page).status_code == 200
        frozen_clock(T0)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_an_expired_post_changes_nothing_and_asks_to_sign_in(client, auth, frozen_clock, htmx_headers, htmx):
    """A form sent after the session ended: signed out, 303 to /ingresar without `next`
    (a POST cannot be replayed from a link), and nothing written."""
    user = factories.coordinator()
    db.session.add(Notification(user_id=user.id, kind="test", message="Sin leer"))
    db.session.commit()
    frozen_clock(T0)
    auth.login(user)
    frozen_clock(T0 + timedelta(hours=9))
    response = client.post("/notificaciones/leer-todas", headers=htmx_headers if htmx else {})
    assert response.status_code == 303 and response.headers["Location"] == "/ingresar"
    assert EXPIRED in _flashes(client)
    assert db.session.scalar(select(Notification.read_at).where(Notification.user_id == user.id)) is None


def test_after_expiry_signing_in_returns_to_the_page(client, auth, frozen_clock):
    user = factories.coordinator()
    frozen_clock(T0)
    auth.login(user)
    frozen_clock(T0 + timedelta(hours=8, minutes=1))
    _sent_to_sign_in(client, client.get("/coordinador/estudiantes"), "/coordinador/estudiantes")
    again = client.post("/ingresar?next=/coordinador/estudiantes",
                        data={"email": user.email, "password": factories.PASSWORD, "next": "/coordinador/estudiantes"})
    assert again.status_code == 303 and again.headers["Location"] == "/coordinador/estudiantes"
    assert client.get("/coordinador/estudiantes").status_code == 200


def test_an_expired_session_opening_the_sign_in_page_gets_the_form(client, auth, frozen_clock):
    user = factories.admin()
    frozen_clock(T0)
    auth.login(user)
    frozen_clock(T0 + timedelta(days=31))
    page = client.get("/ingresar")
    assert page.status_code == 200 and EXPIRED in page.get_data(as_text=True)
    assert 'name="password"' in page.get_data(as_text=True)


def test_a_remember_me_cookie_signs_nobody_in(app, frozen_clock):
    """The portal never issues one; a valid one (signed with the app's key) would otherwise
    restore a session with no sign-in time, outliving SESSION_MAX_AGE."""
    user = factories.student()
    frozen_clock(T0)
    client = app.test_client()
    with app.test_request_context():
        client.set_cookie("remember_token", encode_cookie(user.get_id()))
    response = client.get("/estudiante")
    assert response.status_code == 302 and response.headers["Location"].startswith("/ingresar")
    assert client.get_cookie("remember_token") is None
    assert client.get("/estudiante").status_code == 302


def test_a_session_from_before_these_rules_ends(client, auth):
    """A session cookie without a sign-in time (issued before this version) is ended once."""
    user = factories.student()
    auth.login(user)
    with client.session_transaction() as session:
        del session[sessions.SIGNED_IN_AT]
    _sent_to_sign_in(client, client.get("/estudiante"), "/estudiante")


def _welcome(client, user):
    user.password_hash = ""
    db.session.commit()
    token = invitation_token(user.id, "")
    return client.post(f"/bienvenida/{token}", data={"password": "clave de bienvenida 1", "confirm": "clave de bienvenida 1"})


def _confirm(client, user):
    user.email_confirmed_at = None
    db.session.commit()
    return client.post(f"/registro/confirmar/{confirmation.confirmation_token(user)}")


def _reset(client, user):
    token = passwords.reset_token(user)
    return client.post(f"/recuperar/{token}", data={"password": "otra clave muy larga", "confirm": "otra clave muy larga"})


def _password(client, user):
    return client.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD})


@pytest.mark.parametrize("sign_in", [_password, _confirm, _reset, _welcome],
                         ids=["password", "confirmation link", "reset link", "welcome link"])
def test_every_way_of_signing_in_gets_the_same_lifetime(app, frozen_clock, sign_in):
    user = factories.student()
    client = app.test_client()
    frozen_clock(T0)
    assert sign_in(client, user).status_code == 303
    frozen_clock(T0 + timedelta(days=29, hours=23))
    assert client.get("/estudiante").status_code == 200
    frozen_clock(T0 + timedelta(days=30))
    assert client.get("/estudiante").status_code == 302


def test_sessions_start_in_one_place():
    """Every sign-in (the invitation to join a company too) goes through sessions.start: no
    other module calls login_user, so no path can skip the lifetime rules."""
    root = Path(__file__).resolve().parents[2] / "portal"
    callers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if re.search(r"\blogin_user\(", path.read_text(encoding="utf-8")))
    assert callers == ["accounts/sessions.py"]
