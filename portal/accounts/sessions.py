"""Signed-in sessions: how one starts, and when it ends by itself.

Every way of signing in (password, emailed confirmation or reset link, a roster welcome
link, an employer's invitation) calls `start()`, so each gets the same fresh session and
is recorded as the account's last sign-in (shown to admins at /admin/usuarios).

A session ends, whatever the activity, SESSION_MAX_AGE after its sign-in (30 days): a cookie
copied from a shared computer or a lost phone stops working then, instead of living for
ever as long as someone uses it. Staff (coordinators and admins see many people's data)
are also signed out after STAFF_IDLE_TIMEOUT without a request (8 hours). The times are
kept in the session itself (a signed cookie), so every process and host enforces them
without shared state, and they come from the portal's clock (portal/clock.py).

A remember-me cookie is never issued: a session that Flask-Login would restore from one
has no sign-in time, so the same rule ends it (and the cookie is deleted) rather than
letting it outlive SESSION_MAX_AGE.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import login_user, logout_user

from portal import clock
from portal.extensions import db
from portal.models import User

STAFF_ROLES = frozenset({"coordinator", "admin"})
EXPIRED = "Tu sesión venció; ingresa otra vez."
SIGNED_IN_AT = "signed_in_at"  # epoch seconds of the sign-in
SEEN_AT = "seen_at"  # epoch seconds of the last request, for the idle timeout
STAFF = "staff"
# The last-seen time is rewritten at most this often, so a page with many requests does
# not rewrite the cookie on each.
SEEN_RESOLUTION = 60
# Where an ended session just ends, without a detour: signing in again, signing out.
NO_DETOUR = frozenset({"accounts.login", "accounts.logout"})


def _now() -> float:
    return clock.now().timestamp()


def start(user: User) -> None:
    """Sign `user` in with a new session: nothing set before survives it (fixation)."""
    if user.active:  # Flask-Login signs no inactive account in: nothing to record
        user.last_login_at = clock.utcnow()
        db.session.commit()
    session.clear()
    login_user(user, remember=False)
    session.permanent = True
    now = int(_now())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    if user.role in STAFF_ROLES:
        session[STAFF] = True


def expired() -> bool:
    """Whether the signed-in session of this request is past its lifetime."""
    started, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        return True  # not started by start(): from before these rules, or a remember-me cookie
    now = _now()
    if now - started >= current_app.config["SESSION_MAX_AGE"]:
        return True
    return bool(session.get(STAFF)) and now - seen >= current_app.config["STAFF_IDLE_TIMEOUT"]


def _remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def enforce_lifetime():
    """Before every request: end a session past its lifetime, and note the activity."""
    if request.endpoint == "static":
        return None  # a file, cached for a year: no cookie, and no activity to note
    signed_in = "_user_id" in session
    if not signed_in and not _remember_cookie():
        return None
    if signed_in and not expired():
        now = int(_now())
        if now - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION:
            session[SEEN_AT] = now
        return None
    session.clear()
    logout_user()  # also deletes a remember-me cookie, and Flask-Login will not read it now
    if not signed_in:
        return None  # only a remember-me cookie: never issued here, so it signs nobody in
    if request.endpoint in NO_DETOUR:
        if request.method == "GET" and request.endpoint == "accounts.login":
            flash(EXPIRED, "info")
        return None
    flash(EXPIRED, "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.login", next=target), code=302 if request.method == "GET" else 303)


def init_app(app: Flask) -> None:
    # The cookies last no longer than a sign-in may; expired() ends the session itself on time.
    lifetime = timedelta(seconds=app.config["SESSION_MAX_AGE"])
    app.config["PERMANENT_SESSION_LIFETIME"] = lifetime
    app.config["REMEMBER_COOKIE_DURATION"] = lifetime
    app.before_request(enforce_lifetime)
