"""What the security tests look at: a signed-in client, the whole database's state before and
after, the files stored, and the error messages a person is shown (and whether they are Spanish)."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ImportPreview, StoredFile
from tests import factories
from tests.helpers.web import CsrfClient


def signed_in(app, user) -> CsrfClient:
    """A fresh client, signed in as `user` (or anonymous when None)."""
    client = app.test_client()
    if user is not None:
        response = client.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code in (302, 303), (user.email, response.status_code)
    return client


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table's rows."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        count = db.session.scalar(select(func.count()).select_from(table))
        state[table.name] = (count, hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest())
    db.session.rollback()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def stored_files(app) -> set[str]:
    """Every stored file's key, every roster preview as 'imports/<token>', and anything on
    disk under UPLOAD_PATH as 'disk:<path>' (uploads live in the database: there should be none)."""
    keys = set(db.session.scalars(select(StoredFile.key)))
    keys |= {f"imports/{token}" for token in db.session.scalars(select(ImportPreview.token))}
    db.session.rollback()
    root = Path(app.config["UPLOAD_PATH"])
    if root.exists():
        keys |= {f"disk:{p.relative_to(root)}" for p in root.rglob("*") if p.is_file()}
    return keys


_MESSAGE = re.compile(
    r'<(p|small|li|section|h1)\b[^>]*class="[^"]*\b(field-error|notice error|error-card)\b[^"]*"[^>]*>(.*?)</\1>', re.S)
_HEADED = re.compile(r"<h1\b[^>]*>(.*?)</h1>.*?<p\b[^>]*>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")
SPANISH = re.compile(r"[áéíóúñ¿¡]|\b(el|la|los|las|de|del|que|no|un|una|es|por|para|con|tu|tus|ya|se|otra|vez|"
                     r"y|a|al|en|lo|su|sus|hay|este|esta)\b", re.I)
ENGLISH = re.compile(r"\b(not a valid|invalid|this field|field is required|must be|please|"
                     r"could not|choose a valid|not a valid choice|is required|too large|too many)\b", re.I)


def _text(html: str) -> str:
    return " ".join(_TAG.sub(" ", html).split())


def error_messages(response, client) -> list[str]:
    """The error messages a person is shown for `response`: marked in the body (or, for a
    refusal page of its own, its heading and first paragraph), in an htmx "notice-posted" event of
    kind error, or flashed as an error for the page a redirect leads to (taken from the
    client's session, so they are not shown twice)."""
    found = []
    if response.mimetype == "application/problem+json":  # the API's errors (RFC 9457, portal/errors.py)
        problem = response.get_json(silent=True) or {}
        found += [problem.get("detail") or ""] + [e.get("reason", "") for e in problem.get("errors") or []]
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        found += [_text(m[2]) for m in _MESSAGE.findall(body)]
        if response.status_code >= 400 and not found:
            found += [_text(" ".join(m)) for m in _HEADED.findall(body)]
    raw = response.headers.get("HX-Trigger")
    if raw:
        try:
            notice = json.loads(raw).get("notice-posted") or {}
        except (ValueError, AttributeError):
            notice = {}
        if isinstance(notice, dict) and notice.get("kind") == "error":
            found.append(str(notice.get("message", "")))
    with client.session_transaction() as session:
        found += [message for category, message in session.pop("_flashes", []) if category == "error"]
    return [m for m in found if m.strip()]


def spanish_problem(messages: list[str]) -> str | None:
    """Why `messages` do not tell a person, in Spanish, what went wrong (None when they do)."""
    if not messages:
        return "no message says why"
    english = [m for m in messages if ENGLISH.search(m)]
    if english:
        return f"English message {english[0][:120]!r}"
    if not any(SPANISH.search(m) for m in messages):
        return f"no Spanish message in {messages[:2]!r}"
    return None
