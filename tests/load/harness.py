"""What the load tests share: a fresh database, a seeded world, gunicorn, raw-HTTP
sessions that log in and carry CSRF tokens, a ledger of acknowledged writes and the
check of that ledger against the rows.

Like bench/run.py, the clients speak http.client to 127.0.0.1 (no keep-alive: gunicorn's
sync workers close every connection) and gunicorn runs with --no-control-socket.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from portal import clock, config

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SECRET_KEY = "load-test-secret"
# One credential signing key for every host and process a test starts (each has its own
# instance/ folder, where a development key would otherwise be made per host): a credential
# downloaded from one host verifies against the keys any other publishes.
CREDENTIAL_SIGNING_KEYS = json.dumps({"keys": [config.new_signing_key()]})
PASSWORD = "enlace-demo"
HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}
LOCKED = "database is locked"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NOTICE = re.compile(r'<p class="notice (\w+)">(.*?)</p>', re.S)
# Splits an employer pipeline into its rows: id, then the row (badge, next step, version).
APPLICANT = re.compile(r'<li id="application-(\d+)" class="card applicant">')
STATE_BADGE = re.compile(r'class="badge state app-(\w+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
NEXT_STEP = re.compile(r'name="to_state" value="(in_review|finalist)"')
NOMINATE = re.compile(r'/coordinador/ofertas/(\d+)/candidatos/(\d+)/nominar')
WORDS = ["electricista", "mantenimiento", "instalaciones", "técnico", "planta", "auxiliar", "operario"]
UNAVAILABLE = ("Servicio no disponible", "El portal no puede atenderte en este momento")


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql"))


def env_url() -> str | None:
    """DATABASE_URL when it points to PostgreSQL, as SQLAlchemy wants it; else None (SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    if not is_postgres(url):
        return None
    from portal.config import database_url

    return database_url()


def libpq_url(url: str) -> str:
    """The same database as a libpq URL (pg_dump, psql and createdb do not know '+psycopg')."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_seconds(default: float = 60) -> float:
    """LOAD_SECONDS shortens the mixed load while developing; CI runs the full minute."""
    seconds = float(os.environ.get("LOAD_SECONDS", default))
    if os.environ.get("CI") and seconds < 60:
        raise AssertionError(f"LOAD_SECONDS={seconds:g} under CI: the load test must run at least 60 s")
    return seconds


def trust(line: str) -> None:
    print("TRUST load: " + line, flush=True)


# --- Database ---------------------------------------------------------------------------


@contextmanager
def app_on(url: str):
    """The portal bound to `url`, inside an app context; the engine is disposed afterwards."""
    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "MAIL_SERVER": "",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def build_schema(url: str) -> None:
    """The real migrations and reference data on an empty database (PostgreSQL: schema reset)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal.extensions import db
    from portal.reference.seed import seed_reference

    with app_on(url):
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        seed_reference()
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()


def empty_tables(url: str) -> None:
    """Every row but the reference data (the schema built once per run stays)."""
    from sqlalchemy import text

    from portal.extensions import db

    keep = {"families", "programmes", "modules", "rmv_rates", "alembic_version"}
    with app_on(url):
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in keep]
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.session.commit()


@dataclass
class World:
    students: list[dict] = field(default_factory=list)      # email, profile_id, cetpro_id
    employers: list[dict] = field(default_factory=list)     # email, company_id, openings
    coordinators: list[dict] = field(default_factory=list)  # email, cetpro_id
    openings: list[int] = field(default_factory=list)
    family_id: int = 0                                       # Electricidad y Electrónica
    module_ids: list[int] = field(default_factory=list)     # modules an opening may require


def seed_world(url: str, cetpros: int = 2, students_per_cetpro: int = 12, companies: int = 4,
               openings_per_company: int = 5) -> World:
    """Verified companies with published openings any graduate of Electricidad may take."""
    from tests import factories

    world = World()
    with app_on(url):
        cetpro_rows = [factories.cetpro(f"CETPRO Carga {c + 1}") for c in range(cetpros)]
        for c, cetpro in enumerate(cetpro_rows):
            coordinator = factories.coordinator(cetpro, email=f"coord{c + 1}@carga.pe")
            world.coordinators.append({"email": coordinator.email, "cetpro_id": cetpro.id})
            for s in range(students_per_cetpro):
                user = factories.student(cetpro, email=f"est{c + 1}-{s + 1}@carga.pe")
                world.students.append({"email": user.email, "profile_id": user.student.id, "cetpro_id": cetpro.id})
        for e in range(companies):
            company = factories.company(trade_name=f"Empresa Carga {e + 1}")
            employer = factories.employer(company, email=f"emp{e + 1}@carga.pe")
            ids = [factories.opening(company, title=f"Electricista de mantenimiento {e + 1}-{o + 1}").id
                   for o in range(openings_per_company)]
            world.employers.append({"email": employer.email, "company_id": company.id, "openings": ids})
            world.openings += ids
        programme = factories.programme()
        world.family_id = programme.family_id
        world.module_ids = [m.id for m in programme.modules[:2]]
    return world


# --- gunicorn ---------------------------------------------------------------------------


class Gunicorn:
    """One gunicorn (sync workers) on a free loopback port, its error log kept in `directory`."""

    def __init__(self, url: str, directory: Path, workers: int = 4, env: dict | None = None, name: str = "gunicorn"):
        self.url, self.workers, self.name = url, workers, name
        self.directory = directory
        self.port = free_port()
        self.error_log = directory / f"{name}-{self.port}.log"
        self.access_log = directory / f"{name}-{self.port}-access.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "CREDENTIAL_SIGNING_KEYS": CREDENTIAL_SIGNING_KEYS,
            "INSTANCE_PATH": str(directory / "instance"),
            "UPLOAD_PATH": str(directory / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://",
            # Hundreds of sign-ins from one address: only the login tests keep the real limits.
            "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
            "MAIL_SERVER": "",
            "BASE_URL": f"http://127.0.0.1:{self.port}",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        self.error_log.write_text("")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--no-control-socket", "-w", str(self.workers),
             "-b", f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "5",
             "--error-logfile", str(self.error_log), "--capture-output", "--log-level", "info",
             "--access-logfile", str(self.access_log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _, _ = raw_request(self.port, "GET", "/salud", timeout=10)
                if status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start:\n{self.log()[-3000:]}")
            time.sleep(0.2)
        # Every worker booted, so the first measured seconds are not spent importing.
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def served_by(self, pid: int) -> bool:
        """Whether worker `pid` has answered a request (so it finished booting)."""
        try:
            return f"<{pid}> " in self.access_log.read_text(errors="replace")
        except OSError:
            return False

    def log(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def log_problems(text: str) -> list[str]:
    """Lines of a gunicorn error log that show a failure (tracebacks, locks, 500s)."""
    bad = ("Traceback", LOCKED, "Exception on", "Error handling request", "Internal Server Error")
    return [line for line in text.splitlines() if any(b in line for b in bad)]


def first_traceback(text: str, lines: int = 60) -> str:
    """The first traceback of a gunicorn error log, to show why a test failed."""
    at = text.find("Traceback")
    return "\n".join(text[at:].splitlines()[:lines]) if at >= 0 else "(no traceback in the log)"


# --- HTTP -------------------------------------------------------------------------------


def raw_request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
                timeout: float = 30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


class Dropped(Exception):
    """No answer: the connection was refused or reset (a killed worker, a stopped server)."""


@dataclass
class Answer:
    status: int
    headers: object
    text: str
    first_status: int  # before following a redirect

    def notices(self) -> list[tuple[str, str]]:
        """Flash messages on a page and the htmx `notice` event, as (kind, message)."""
        found = [(kind, re.sub(r"\s+", " ", message).strip()) for kind, message in NOTICE.findall(self.text)]
        trigger = self.headers.get("HX-Trigger") if self.headers else None
        if trigger:
            try:
                notice = json.loads(trigger).get("notice-posted")
            except ValueError:
                notice = None
            if isinstance(notice, dict):
                found.append((notice.get("kind", "success"), notice.get("message", "")))
        return found

    def said(self, words: str, kind: str = "success") -> bool:
        return any(k == kind and words in m for k, m in self.notices())


class Stats:
    """Every answer the clients got, counted by kind of request and status."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind: Counter = Counter()
        self.statuses: Counter = Counter()
        self.dropped: Counter = Counter()
        self.locked: list[str] = []
        self.server_errors: list[str] = []
        self.errors_at: list[tuple[float, int, str, str]] = []  # (time, status, path, page) of each 5xx
        self.started = time.monotonic()
        self.elapsed = 0.0

    def record(self, kind: str, method: str, path: str, status: int, text: str) -> None:
        with self.lock:
            self.by_kind[kind] += 1
            self.statuses[status] += 1
            if LOCKED in text:
                self.locked.append(f"{method} {path} {status}")
            if status >= 500:
                self.server_errors.append(f"{method} {path} {status}: {_snippet(text)}")
                self.errors_at.append((time.monotonic(), status, path, text))

    def drop(self, kind: str) -> None:
        with self.lock:
            self.dropped[kind] += 1

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> str:
        seconds = self.elapsed or (time.monotonic() - self.started)
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        dropped = sum(self.dropped.values())
        return (f"{self.requests} requests in {seconds:.1f} s ({self.requests / max(seconds, 0.001):.1f}/s); "
                f"statuses {statuses}; no answer {dropped}")


def _snippet(text: str) -> str:
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    return (title.group(1) if title else text[:120]).strip()


class Session:
    """One browser: a cookie jar, the CSRF token of its pages, the ports it talks to."""

    def __init__(self, port: int | list[int], stats: Stats, name: str = ""):
        self.ports = port if isinstance(port, list) else [port]
        self.stats, self.name = stats, name
        self.jar: dict[str, str] = {}
        self.token: str | None = None
        self._turn = 0

    def _port(self, port: int | None) -> int:
        if port is not None:
            return port
        self._turn += 1
        return self.ports[self._turn % len(self.ports)]

    def _cookies(self, headers) -> None:
        for raw in headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(raw)
            for key, morsel in cookie.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.jar.pop(key, None)
                else:
                    self.jar[key] = morsel.value

    def send(self, method: str, path: str, kind: str, data: dict | None = None, htmx: bool = False,
             follow: bool = False, port: int | None = None, keep_cookies: bool = True, timeout: float = 30) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())} if self.jar else {}
        if htmx:
            headers.update(HTMX)
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            status, response_headers, raw = raw_request(self._port(port), method, path, headers, body, timeout)
        except (OSError, http.client.HTTPException) as error:
            self.stats.drop(kind)
            raise Dropped(f"{method} {path}: {error!r}") from error
        text = raw.decode("utf-8", errors="replace")
        self.stats.record(kind, method, path, status, text)
        if keep_cookies:
            self._cookies(response_headers)
        if match := CSRF.search(text):
            self.token = match.group(1)
        if follow and status in (302, 303) and keep_cookies:
            location = urlsplit(response_headers.get("Location", "/"))
            target = location.path + (f"?{location.query}" if location.query else "")
            answer = self.send("GET", target, kind + " (redirect)", port=port)
            return Answer(answer.status, answer.headers, answer.text, status)
        return Answer(status, response_headers, text, status)

    def get(self, path: str, kind: str, **kwargs) -> Answer:
        return self.send("GET", path, kind, **kwargs)

    def post(self, path: str, kind: str, data: dict | None = None, **kwargs) -> Answer:
        form = dict(data or {})
        form.setdefault("csrf_token", self.token or "")
        return self.send("POST", path, kind, form, **kwargs)

    def login(self, email: str, password: str = PASSWORD, port: int | None = None) -> Answer:
        self.get("/ingresar", "login page", port=port)
        answer = self.post("/ingresar", "login", {"email": email, "password": password}, port=port)
        if answer.status != 303:
            raise AssertionError(f"login of {email} answered {answer.status}")
        # A new session after login: its CSRF token comes from the next page.
        self.get("/estudiante/postulaciones" if email.startswith("est") else "/panel", "login landing",
                 follow=True, port=port)
        assert self.token, f"no CSRF token on the landing page of {email}"
        return answer


# --- The ledger -------------------------------------------------------------------------


@dataclass
class Write:
    kind: str                 # apply | withdraw | move | nominate (| open | publish | edit: opening_writes.py)
    key: tuple                # ("app", opening_id, profile_id) | ("app_id", id) | ("nom", opening_id, profile_id)
    to_state: str | None
    t0: float
    t1: float
    created: bool = False     # apply: a new application (not "ya habías postulado")


class Ledger:
    """Writes the server acknowledged, and writes whose answer never came (unknown outcome)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked: list[Write] = []
        self.unknown: list[Write] = []

    def ack(self, write: Write) -> None:
        with self.lock:
            self.acked.append(write)

    def lost_answer(self, write: Write) -> None:
        with self.lock:
            self.unknown.append(write)

    def counts(self) -> Counter:
        return Counter(w.kind + (" (new)" if w.created else "") for w in self.acked)


MOVE_STATES = ("in_review", "finalist", "hired", "rejected", "withdrawn")


def verify(url: str, ledger: Ledger | None, strict: bool = True) -> dict:
    """Compare the ledger with the rows; return figures, raise AssertionError on any hole.

    strict: every request got an answer, so rows == acknowledged writes exactly. Otherwise
    a write whose answer was lost may or may not be there, but at most once. Without a
    ledger only the rows' own consistency is checked (history, notices, placements).
    """
    with_ledger = ledger is not None
    ledger = ledger or Ledger()
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Application, AuditEvent, Nomination, Notification, OutboxEmail, Placement

    problems: list[str] = []
    with app_on(url):
        apps = {a.id: a for a in db.session.scalars(select(Application))}
        by_key = {("app", a.opening_id, a.student_id): a for a in apps.values()}
        audits = list(db.session.execute(
            select(AuditEvent.id, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id)
            .order_by(AuditEvent.id)))
        nominations = Counter(("nom", n.opening_id, n.student_id) for n in db.session.scalars(select(Nomination)))
        nomination_ids = {n.id for n in db.session.scalars(select(Nomination))}
        placements = Counter(p.application_id for p in db.session.scalars(select(Placement)))
        notifications = dict(db.session.execute(select(Notification.kind, func.count()).group_by(Notification.kind)).all())
        outbox = db.session.scalar(select(func.count()).select_from(OutboxEmail))

    def app_id(write: Write) -> int | None:
        if write.key[0] == "app_id":
            return write.key[1] if write.key[1] in apps else None
        row = by_key.get(write.key)
        return row.id if row else None

    # Applications: every acknowledged one is there, once; a new one was acknowledged once.
    if len(by_key) != len(apps):
        problems.append(f"{len(apps) - len(by_key)} duplicated applications")
    created_acks = Counter(w.key for w in ledger.acked if w.kind == "apply" and w.created)
    for key, n in created_acks.items():
        if n > 1:
            problems.append(f"{key} acknowledged as new {n} times")
    for write in ledger.acked:
        if write.kind in ("apply", "withdraw", "move") and app_id(write) is None:
            problems.append(f"lost: acknowledged {write.kind} {write.key}")
    unknown_apply = {w.key for w in ledger.unknown if w.kind == "apply"}
    for key in by_key:
        # Only an unanswered apply may leave a row nobody was told about.
        if with_ledger and key not in created_acks and (strict or key not in unknown_apply):
            problems.append(f"application {key} in the database, never acknowledged as new")

    # History: one application.created each; state changes == acknowledged moves.
    history: dict[int, list[str]] = defaultdict(list)
    created_audits: Counter = Counter()
    nomination_audits: Counter = Counter()
    for _, action, object_type, object_id in audits:
        if object_type == "Application" and action == "application.created":
            created_audits[object_id] += 1
        elif object_type == "Application" and action.removeprefix("application.") in MOVE_STATES:
            history[object_id].append(action.removeprefix("application."))
        elif object_type == "Nomination" and action == "nomination.created":
            nomination_audits[object_id] += 1
    for application_id in apps:
        if created_audits[application_id] != 1:
            problems.append(f"application {application_id} has {created_audits[application_id]} 'created' events")
    acked_moves: dict[int, Counter] = defaultdict(Counter)
    unknown_moves: dict[int, Counter] = defaultdict(Counter)
    timeline: dict[int, list[Write]] = defaultdict(list)
    for write in ledger.acked:
        if write.kind in ("withdraw", "move") or (write.kind == "apply" and write.created):
            if (application_id := app_id(write)) is not None:
                timeline[application_id].append(write)
                if write.kind != "apply":
                    acked_moves[application_id][write.to_state] += 1
    for write in ledger.unknown:
        if write.kind in ("withdraw", "move") and (application_id := app_id(write)) is not None:
            unknown_moves[application_id][write.to_state] += 1
    for application_id, application in apps.items():
        done = Counter(history[application_id])
        acked, maybe = acked_moves[application_id], unknown_moves[application_id]
        for state in MOVE_STATES:
            if done[state] < acked[state]:
                problems.append(f"application {application_id}: {acked[state]} acknowledged '{state}', "
                                f"{done[state]} recorded")
            elif with_ledger and done[state] > acked[state] + (0 if strict else maybe[state]):
                problems.append(f"application {application_id}: '{state}' recorded {done[state]} times, "
                                f"acknowledged {acked[state]}")
        # The history replays through the state table to the row's state.
        from portal.applications import states

        state = "received"
        for step in history[application_id]:
            actor = states.STUDENT if step == "withdrawn" else states.EMPLOYER
            if not (states.allowed(state, step, actor) or (state == "received" and states.allowed("viewed", step, actor))):
                problems.append(f"application {application_id}: history {history[application_id]} breaks the table")
                break
            state = step
        row_state = "received" if application.state == "viewed" else application.state
        if row_state != state:
            problems.append(f"application {application_id}: row says {application.state}, history {state}")
        # Final state: the last acknowledged write (any of those that overlap at the end).
        writes = timeline[application_id]
        if writes:
            last = [w for w in writes if not any(o.t0 > w.t1 for o in writes)]
            allowed_states = {"received" if w.kind == "apply" else w.to_state for w in last}
            if not strict:
                allowed_states |= set(maybe)
            if row_state not in allowed_states:
                problems.append(f"application {application_id}: final state {application.state}, last acknowledged "
                                f"{sorted(allowed_states)}")
        hired = application.state == "hired"
        if placements[application_id] != (1 if hired else 0):
            problems.append(f"application {application_id} ({application.state}) has {placements[application_id]} placements")

    # Nominations: acknowledged ones are there once; nothing else (strict), one event each.
    acked_nominations = {w.key for w in ledger.acked if w.kind == "nominate"}
    unknown_nominations = {w.key for w in ledger.unknown if w.kind == "nominate"}
    for key in acked_nominations - set(nominations):
        problems.append(f"lost: acknowledged nomination {key}")
    for key in set(nominations) - acked_nominations:
        if with_ledger and (strict or key not in unknown_nominations):
            problems.append(f"nomination {key} in the database, never acknowledged")
    for nomination_id in nomination_ids:
        if nomination_audits[nomination_id] != 1:
            problems.append(f"nomination {nomination_id} has {nomination_audits[nomination_id]} events")

    # Nothing half-written: each change has its notices and emails (one employer per company).
    moves = sum(len(h) for h in history.values())
    withdrawn = sum(1 for h in history.values() for s in h if s == "withdrawn")
    viewed = sum(1 for a in apps.values() if a.viewed_at is not None)
    expected = {
        "application-received": len(apps),
        "application-withdrawn": withdrawn,
        "application-updated": moves - withdrawn + viewed,
        "nomination": 2 * len(nomination_ids),
    }
    for kind, n in expected.items():
        if notifications.get(kind, 0) != n:
            problems.append(f"{notifications.get(kind, 0)} '{kind}' notifications, expected {n}")
    expected_outbox = len(apps) + (moves - withdrawn + viewed) + 2 * len(nomination_ids)
    if outbox != expected_outbox:
        problems.append(f"{outbox} queued emails, expected {expected_outbox}")

    if problems:
        raise AssertionError(f"{len(problems)} ledger problems:\n" + "\n".join(problems[:40]))
    states_now = Counter(a.state for a in apps.values())
    return {"applications": len(apps), "states": dict(states_now), "moves": moves, "nominations": len(nomination_ids),
            "placements": sum(placements.values()), "notifications": sum(notifications.values()), "emails": outbox}


# --- The people -------------------------------------------------------------------------


REJECTION_REASONS = ("profile_mismatch", "missing_modules", "schedule", "position_filled", "other")


class Actor:
    """One person on the site, driven by one thread: browses and writes, recording acks."""

    def __init__(self, session: Session, ledger: Ledger, rng: random.Random, world: World, me: dict):
        self.session, self.ledger, self.rng, self.world, self.me = session, ledger, rng, world, me

    def _write(self, write: Write, send) -> Answer | None:
        try:
            answer = send()
        except Dropped:
            write.t1 = time.monotonic()
            self.ledger.lost_answer(write)
            return None
        write.t1 = time.monotonic()
        if max(answer.status, answer.first_status) >= 500:
            # A 503 while the database is down may come after the commit: outcome unknown.
            self.ledger.lost_answer(write)
        return answer

    # Browsing, any role.
    def browse(self) -> None:
        s, rng = self.session, self.rng
        choice = rng.random()
        if choice < 0.3:
            s.get("/ofertas", "listing page")
        elif choice < 0.75:
            filters = {"q": rng.choice(WORDS), "departamento": "04", "tipo": "empleo", "modalidad": "presencial",
                       "orden": rng.choice(["recientes", "cierre"])}
            chosen = dict(rng.sample(sorted(filters.items()), rng.randint(1, 3)))
            s.get("/ofertas?" + urlencode(chosen), "listing fragment", htmx=True)
        else:
            s.get(f"/ofertas/{rng.choice(self.world.openings)}", "opening page")


class Student(Actor):
    def __init__(self, *args):
        super().__init__(*args)
        self.open: set[int] = set()      # openings with an application this student believes open
        self.applied: set[int] = set()

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.40:
            self.browse()
        elif roll < 0.45:
            self.session.get("/estudiante/postulaciones", "my applications")
        elif roll < 0.85:
            self.apply(self.rng.choice(self.world.openings))
        elif self.open:
            self.withdraw(self.rng.choice(sorted(self.open)))

    def apply(self, opening_id: int) -> None:
        s = self.session
        s.get(f"/ofertas/{opening_id}", "opening page")
        htmx = self.rng.random() < 0.6
        write = Write("apply", ("app", opening_id, self.me["profile_id"]), "received", time.monotonic(), 0)
        answer = self._write(write, lambda: s.post(f"/ofertas/{opening_id}/postular", "apply",
                                                   {"message": "Tengo experiencia en tableros."}, htmx=htmx,
                                                   follow=not htmx))
        if answer is None:
            return
        created = answer.said("Postulación enviada")
        if created or answer.said("Ya habías postulado"):
            write.created = created
            self.ledger.ack(write)
            if opening_id not in self.applied:
                self.applied.add(opening_id)
                self.open.add(opening_id)
        elif answer.status < 500:
            assert answer.first_status in (409, 422, 303), f"apply answered {answer.first_status}"

    def withdraw(self, opening_id: int) -> None:
        s = self.session
        htmx = self.rng.random() < 0.6
        write = Write("withdraw", ("app", opening_id, self.me["profile_id"]), "withdrawn", time.monotonic(), 0)
        answer = self._write(write, lambda: s.post(f"/ofertas/{opening_id}/retirar", "withdraw", htmx=htmx,
                                                   follow=not htmx))
        if answer is None:
            return
        self.open.discard(opening_id)  # withdrawn, or the employer already decided
        if answer.said("Retiraste tu postulación"):
            self.ledger.ack(write)


class Employer(Actor):
    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.25:
            self.browse()
        else:
            self.work(self.rng.choice(self.me["openings"]))

    def work(self, opening_id: int) -> None:
        s, rng = self.session, self.rng
        page = s.get(f"/empresa/ofertas/{opening_id}/postulantes", "pipeline")
        parts = APPLICANT.split(page.text)
        rows = zip(parts[1::2], parts[2::2], strict=False)
        movable = [(int(i), body) for i, body in rows if VERSION.search(body)]
        if not movable:
            return
        application_id, body = rng.choice(movable)
        if rng.random() < 0.2:
            s.get(f"/empresa/postulaciones/{application_id}", "applicant page")  # marks it Vista
            return
        version = VERSION.search(body).group(1)
        state = STATE_BADGE.search(body).group(1)
        step = NEXT_STEP.search(body)
        roll = rng.random()
        if roll < 0.15:
            data = {"to_state": "rejected", "reason": rng.choice(REJECTION_REASONS), "note": "Gracias por postular."}
        elif roll < 0.3 and state in ("in_review", "finalist"):
            data = {"to_state": "hired", "start_date": clock.today().isoformat()}
        elif step:
            data = {"to_state": step.group(1)}
        else:
            return
        data["version"] = version
        htmx = rng.random() < 0.6
        write = Write("move", ("app_id", application_id), data["to_state"], time.monotonic(), 0)
        answer = self._write(write, lambda: s.post(f"/empresa/postulaciones/{application_id}/estado", "move", data,
                                                   htmx=htmx, follow=not htmx))
        if answer is None:
            return
        if answer.first_status == 200 or (answer.first_status == 303 and any(
                k == "success" for k, _ in answer.notices())):
            self.ledger.ack(write)


class Coordinator(Actor):
    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.3:
            self.browse()
        else:
            self.nominate(self.rng.choice(self.world.openings))

    def nominate(self, opening_id: int) -> None:
        s, rng = self.session, self.rng
        mine = [st["profile_id"] for st in self.world.students if st["cetpro_id"] == self.me["cetpro_id"]]
        if rng.random() < 0.6:
            page = s.get(f"/coordinador/ofertas/{opening_id}/candidatos", "candidates")
            offered = [int(student) for o, student in NOMINATE.findall(page.text) if int(o) == opening_id]
            student_id = rng.choice(offered) if offered else rng.choice(mine)
        else:
            student_id = rng.choice(mine)  # perhaps nominated already: a clean 409
        htmx = rng.random() < 0.6
        write = Write("nominate", ("nom", opening_id, student_id), None, time.monotonic(), 0)
        answer = self._write(write, lambda: s.post(
            f"/coordinador/ofertas/{opening_id}/candidatos/{student_id}/nominar", "nominate",
            {"note": "Puntual y ordenado en taller."}, htmx=htmx, follow=not htmx))
        if answer is None:
            return
        if answer.said("Recomendaste a"):
            self.ledger.ack(write)


def run_people(port: int | list[int], world: World, seconds: float, stats: Stats, ledger: Ledger,
               students: int = 10, employers: int = 4, coordinators: int = 2, seed: int = 7,
               pause: float = 0.0, during=None, employer_class: type | None = None) -> None:
    """Each person in its own thread, signed in, stepping until the time is up.

    `during(elapsed)` is called from the main thread about every 0.25 s (faults).
    `employer_class` replaces the employers (tests.load.opening_writes adds openings)."""
    employer_class = employer_class or Employer
    rng = random.Random(seed)
    people: list[Actor] = []
    for n, me in enumerate(rng.sample(world.students, min(students, len(world.students)))):
        people.append(Student(Session(port, stats, me["email"]), ledger, random.Random(seed * 100 + n), world, me))
    for n, me in enumerate(world.employers[:employers]):
        people.append(employer_class(Session(port, stats, me["email"]), ledger, random.Random(seed * 200 + n), world, me))
    for n, me in enumerate(world.coordinators[:coordinators]):
        people.append(Coordinator(Session(port, stats, me["email"]), ledger, random.Random(seed * 300 + n), world, me))
    stop = threading.Event()
    failures: list[BaseException] = []
    ready = threading.Barrier(len(people) + 1, timeout=120)

    def loop(person: Actor) -> None:
        try:
            person.session.login(person.me["email"])
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
            stop.set()
        ready.wait()
        while not stop.is_set():
            try:
                person.step()
            except Dropped:
                time.sleep(0.05)  # the server is restarting a worker or the database is down
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                failures.append(error)
                stop.set()
            if pause:
                time.sleep(rng.uniform(0, pause))

    threads = [threading.Thread(target=loop, args=(p,), daemon=True) for p in people]
    for thread in threads:
        thread.start()
    ready.wait()  # everybody signed in: the measured time and counts start now
    with stats.lock:
        stats.by_kind.clear()
        stats.statuses.clear()
    stats.started = time.monotonic()
    while (elapsed := time.monotonic() - stats.started) < seconds and not stop.is_set():
        if during:
            during(elapsed)
        time.sleep(0.25)
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    stats.elapsed = time.monotonic() - stats.started
    if failures:
        raise failures[0]


# --- A private PostgreSQL cluster (to stop and start under load) -------------------------


class PrivateCluster:
    """A throwaway PostgreSQL 15 cluster in /tmp on a free port, owned by the postgres user
    when we are root (initdb refuses root). Never the shared server."""

    BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

    def __init__(self):
        import tempfile

        self.directory = Path(tempfile.mkdtemp(prefix="enlace-load-pg-", dir="/tmp"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_postgres, *args], check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> PrivateCluster:
        self._run(str(self.BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-locale", "--no-sync")
        return self.start()

    def start(self) -> PrivateCluster:
        self._run(str(self.BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"), "-w",
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1", "start")
        return self

    def stop(self) -> None:
        self._run(str(self.BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
