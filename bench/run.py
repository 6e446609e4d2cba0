"""`make bench`: server time and throughput of the main endpoints on the `large` data set.

Builds the data set once (`flask seed large`, kept under .bench/), runs every measurement
on a scratch copy of it (so the applying benchmark never changes the kept file), starts
gunicorn on 127.0.0.1 and, per endpoint, sends randomised requests from 1 and then 16
concurrent clients (one process each, loopback only) for a bounded time. Server time is
gunicorn's own request time (access log `%(D)s`); the clients' latency is kept too. The
"floor" is the same gunicorn setup answering with a listing fragment's bytes from memory
(bench/floor.py). Results go to docs/PERFORMANCE.md (the measured tables between markers)
and bench/results/<date>.json.

    .venv/bin/python bench/run.py              # full run, large set (a few minutes)
    .venv/bin/python bench/run.py --quick      # 10 % set, 2 s per endpoint (smoke)
    .venv/bin/python bench/run.py --db /tmp/l2.db   # reuse a built set (it is copied first)
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/run.py   # PostgreSQL (on a copy)
    .venv/bin/python bench/run.py --writes 0 --writes 1 --writes 5   # the listing under writes
    .venv/bin/python bench/run.py --refresh 0.1 --refresh 1 --refresh 5   # a write's cost per worker

On PostgreSQL the database in DATABASE_URL is the kept set (seeded on first use) and the
run measures a copy of it, `<name>_run` (CREATE DATABASE … TEMPLATE), whose
`random_page_cost` it sets to 1.1, the README's production setting for SSDs
(`--random-page-cost 4` measures PostgreSQL's own default).

`--writes RATE` (repeatable; 0 is the baseline without writes) measures only the listing
fragment, at 1 and at `--concurrency` clients, while one more process signed in as the
large set's employer saves the real opening edit form RATE times a second for the whole
phase: it GETs /empresa/ofertas/<id>/editar for the company's published openings in turn,
and POSTs every field back with its CSRF token and the title switched between two variants
(so each save is a change the listing shows). Per rate: the fragment's requests/s and
server p50/p95/p99/max (access-log lines of the fragment only), the saves made of those the
rate asked, their statuses and server times, and the ratios against rate 0. Table between the
`writes-sqlite` (or `writes-postgresql`) markers of docs/PERFORMANCE.md, JSON in
bench/results/<date>-writes.json; with `--check` the run fails if a read or a save answered
other than 2xx/3xx or an edit form other than 200 (timings are never asserted).

`--refresh SCALE` (repeatable) measures what a write costs one worker at that fraction of
the large set (bench/refresh.py, in one process): 1, 10 and 100 openings changed in one
transaction, the next read's refresh of the listing's index and of matching's facts, and a
full build for comparison. SQLite builds one set per scale; on PostgreSQL only the set in
DATABASE_URL is measured (one scale). Table between the `refresh-sqlite` (or
`refresh-postgresql`) markers of docs/PERFORMANCE.md.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "enlace-demo"
ACCOUNTS = {"student": "est1@large.enlace.pe", "employer": "emp1@large.enlace.pe",
            "coordinator": "coord1@large.enlace.pe", "admin": "admin1@large.enlace.pe"}
WORDS = ["electricista", "electricidad", "cocina", "soldador", "soldadura", "mecánico", "mecánica",
         "costura", "confección", "computación", "panadería", "carpintería", "estética", "gastronomía",
         "mantenimiento", "instalaciones", "técnico", "auxiliar", "asistente", "operario"]
HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}
ENDPOINTS = ["listing fragment", "listing fragment (Zipf)", "listing fragment (popular)", "listing page", "opening page", "coordinator candidates",
             "employer pipeline", "employer recommended", "student recommendations", "coordinator dashboard",
             "coordinator reports", "coordinator audit", "admin audit", "apply"]
# Three draws of the listing's searches. "listing fragment" draws uniformly from about 17,000
# combinations (a word and two filters). "listing fragment (Zipf)" ranks SEARCHES of them and
# asks the k-th 1/k as often as the first: a job board's traffic, where a few hundred searches
# are most of it (the first 300 are 62 % of this draw) and the rest a long tail, each asked
# now and then. "listing fragment (popular)" is the head of that ranking alone: its first
# POPULAR searches, with the same weights.
POPULAR = 300
SEARCHES = 15_000
# Growth with the data: the matching and listing endpoints at 10, 30 and 100 % of the large set.
SCALING_ENDPOINTS = ["listing fragment", "listing page", "coordinator candidates", "employer recommended",
                     "student recommendations", "coordinator dashboard"]
SCALES = (0.1, 0.3, 1.0)
# DESIGN.md §7 weight budgets (bytes on the wire, gzip); `--check` fails the run above them.
BUDGETS = {"page_total_bytes": 30 * 1024, "fragment_bytes": 3 * 1024}
MD_START, MD_END = "<!-- bench:start -->", "<!-- bench:end -->"
SCALING_START, SCALING_END = "<!-- scaling:start -->", "<!-- scaling:end -->"
# `--writes` keeps one table per database: "<!-- writes-sqlite:start -->", "<!-- writes-postgresql:end -->"…
WRITES_MARKERS = "<!-- writes-{}:start -->", "<!-- writes-{}:end -->"
REFRESH_MARKERS = "<!-- refresh-{}:start -->", "<!-- refresh-{}:end -->"  # `--refresh`, one table per database
# `--writes`: the endpoint measured, and the log lines that are its requests (not the writer's).
WRITES_ENDPOINT, WRITES_READ = "listing fragment", ("GET", "/ofertas")
# The two titles a save alternates between: the seeded one, and it with this suffix.
TITLE_SUFFIX = " (urgente)"


# --- The data set ---------------------------------------------------------------------------


def _flask(*args: str, url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def prepare_database(args) -> tuple[str, str]:
    """(DATABASE_URL for the run, a description of the data set)."""
    BENCH_DIR.mkdir(exist_ok=True)  # the access log and the floor's body live there, whichever database
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return _postgresql_copy(url, args)
    source = Path(args.db) if args.db else BENCH_DIR / f"large-{args.scale:g}.db"
    if not source.exists():
        if args.db:
            sys.exit(f"no such file: {source}")
        partial = source.with_suffix(".building")
        for leftover in BENCH_DIR.glob(partial.name + "*"):
            leftover.unlink()
        print(f"building the large set at scale {args.scale:g} in {source} (once)…", flush=True)
        _flask("db", "upgrade", url=f"sqlite:///{partial}")
        _flask("seed", "large", "--scale", str(args.scale), url=f"sqlite:///{partial}")
        _checkpoint(partial)
        partial.rename(source)
    scratch = BENCH_DIR / "run.db"
    for old in BENCH_DIR.glob("run.db*"):
        old.unlink()
    shutil.copyfile(source, scratch)
    # A set built by an older checkout gets this checkout's migrations (indexes) first.
    _flask("db", "upgrade", url=f"sqlite:///{scratch}")
    import sqlite3
    with sqlite3.connect(scratch) as connection:
        connection.execute("ANALYZE")  # statistics for indexes those migrations added
    return f"sqlite:///{scratch}", f"SQLite, copy of {source.name} (scale {args.scale:g})"


def _postgresql_copy(url: str, args) -> tuple[str, str]:
    """The kept database in DATABASE_URL (seeded once if empty, then migrated) copied to
    `<name>_run` for this run, as SQLite's file is: what `apply` and `--writes` write never
    reaches the kept set, so every run measures the same data. The copy keeps the kept
    set's statistics (`pg_statistic` is copied with it); `random_page_cost` is set on it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    kept = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    engine = create_engine(kept)
    with engine.connect() as connection:
        try:
            users = connection.execute(text("SELECT count(*) FROM users")).scalar()
        except Exception:
            users = 0
    engine.dispose()
    _flask("db", "upgrade", url=url)
    if not users:
        _flask("seed", "large", "--scale", str(args.scale), url=url)
    run = kept.set(database=f"{kept.database}_run")
    # CREATE DATABASE … TEMPLATE needs no one connected to either database: from `postgres`.
    admin = create_engine(kept.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{run.database}"'))
        connection.execute(text(f'CREATE DATABASE "{run.database}" TEMPLATE "{kept.database}"'))
        # The planner as the README's production notes set it (SSDs: 1.1), for the database
        # as a whole as a DBA sets it, so every connection the portal opens plans with it.
        connection.execute(text(f'ALTER DATABASE "{run.database}" SET random_page_cost = {args.random_page_cost:g}'))
    admin.dispose()
    return (run.render_as_string(hide_password=False),
            f"PostgreSQL, copy of the large set at scale {args.scale:g}, "
            f"`random_page_cost = {args.random_page_cost:g}`")


def _checkpoint(path: Path) -> None:
    import sqlite3
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def pick_targets(url: str, seed: int) -> dict:
    """Ids the randomised requests draw from, read through the portal's own queries."""
    os.environ["DATABASE_URL"] = url
    from sqlalchemy import func, select

    from portal import create_app, places, vocab
    from portal.access import company_of
    from portal.coordinators.queries import relevant_openings
    from portal.extensions import db
    from portal.matching.recommendations import openings_for_student
    from portal.models import Application, Cetpro, Family, Opening, StudentProfile, User
    from portal.openings.queries import open_conditions

    app = create_app()
    with app.app_context():
        users = {role: db.session.scalar(select(User).where(User.email == email))
                 for role, email in ACCOUNTS.items()}
        missing = [role for role, user in users.items() if user is None]
        if missing:
            sys.exit(f"the data set has no {missing} account(s) of the large set")
        opens = list(db.session.scalars(select(Opening.id).where(*open_conditions()).order_by(func.random()).limit(2000)))
        cetpro = db.session.get(Cetpro, users["coordinator"].cetpro_id)
        company = company_of(users["employer"])
        pipeline = list(db.session.scalars(
            select(Application.opening_id).join(Opening, Opening.id == Application.opening_id)
            .where(Opening.company_id == company.id).group_by(Application.opening_id)))
        profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == users["student"].id))
        eligible = [o.id for o, _ in openings_for_student(profile, limit=5000)]
        targets = {
            "open": opens,
            "candidates": [o.id for o in relevant_openings(cetpro, limit=50)],
            "pipeline": pipeline or list(db.session.scalars(select(Opening.id).where(Opening.company_id == company.id))),
            "apply": eligible,
            # the company's open openings, for every CETPRO or for some: Recomendados ranks them all
            "recommended": list(db.session.scalars(select(Opening.id).where(
                Opening.company_id == company.id, *open_conditions()))),
            "families": list(db.session.scalars(select(Family.id))),
            "departments": [code for code, _ in places.departments()],
            "kinds": list(vocab.OPENING_KINDS),
            "modes": list(vocab.WORK_MODES),
            "sizes": {"openings": db.session.scalar(select(func.count()).select_from(Opening)),
                      "students": db.session.scalar(select(func.count()).select_from(StudentProfile)),
                      "applications": db.session.scalar(select(func.count()).select_from(Application))},
        }
        db.session.remove()
        db.engine.dispose()
    random.Random(seed).shuffle(targets["apply"])
    return targets


# --- gunicorn ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(target: str, workers: int, env: dict, log: Path):
    port = _free_port()
    log.write_text("")
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--no-control-socket", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--access-logformat", "%(D)s %(s)s %(m)s %(U)s", target],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = request(port, "GET", "/favicon-probe")
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {target} did not start") from error
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _cookies(jar: dict, headers: dict) -> None:
    raw = headers.get("Set-Cookie")
    if raw:
        cookie = SimpleCookie()
        cookie.load(raw)
        jar.update({k: m.value for k, m in cookie.items()})


def _cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login(port: int, email: str) -> dict:
    jar: dict = {}
    _, headers, body = request(port, "GET", "/ingresar")
    _cookies(jar, headers)
    token = CSRF.search(body.decode()).group(1)
    form = urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    status, headers, _ = request(port, "POST", "/ingresar", {
        "Cookie": _cookie_header(jar), "Content-Type": "application/x-www-form-urlencoded"}, form)
    if status not in (302, 303):
        raise RuntimeError(f"login of {email} answered {status}")
    _cookies(jar, headers)
    return jar


# --- Requests and measurement ---------------------------------------------------------------


def _search(t: dict, rng: random.Random) -> str:
    """A listing search as people make them: a word and two of the filters."""
    filters = {"familia": rng.choice(t["families"]), "departamento": rng.choice(t["departments"]),
               "tipo": rng.choice(t["kinds"]), "modalidad": rng.choice(t["modes"])}
    chosen = dict(rng.sample(sorted(filters.items()), 2))
    return "/ofertas?" + urlencode({"q": rng.choice(WORDS), **chosen})


def _ranked_searches(t: dict) -> list[str]:
    """SEARCHES distinct searches of the uniform draw's kind, in the order a seeded draw first
    meets them: the ranking of the Zipf and popular draws (the same on every run)."""
    draw, ranked = random.Random(POPULAR), {}
    while len(ranked) < SEARCHES:
        ranked.setdefault(_search(t, draw), None)
    return list(ranked)


RANKED = ("listing fragment (Zipf)", "listing fragment (popular)")


def ranked_draw(ctx: dict, name: str) -> tuple[list[str], list[float]]:
    """The searches of a ranked draw and their cumulative weights, made once into `ctx`.
    `run_phase` makes them before its clients start: in each client they cost a good part of
    a second of CPU inside the measured window (2026-12-05: the popular draw's 16 clients
    answered 2,124 requests/s with them made there)."""
    if name not in ctx:
        ranked = ctx.setdefault("ranked", _ranked_searches(ctx["targets"]))
        count = POPULAR if name == "listing fragment (popular)" else SEARCHES
        ctx[name] = ranked[:count], list(itertools.accumulate(1 / k for k in range(1, count + 1)))
    return ctx[name]


def build_request(name: str, ctx: dict, rng: random.Random) -> tuple[str, str, dict, bytes | None]:
    t = ctx["targets"]
    base = {"Accept-Encoding": "gzip"}
    if name in ("listing fragment", "floor"):
        return "GET", _search(t, rng), {**base, **HTMX}, None
    if name in RANKED:
        searches, cum_weights = ranked_draw(ctx, name)
        return "GET", rng.choices(searches, cum_weights=cum_weights)[0], {**base, **HTMX}, None
    if name == "listing page":
        return "GET", "/ofertas", base, None
    if name == "opening page":
        return "GET", f"/ofertas/{rng.choice(t['open'])}", base, None
    cookie = {"Cookie": ctx["cookies"][{"coordinator candidates": "coordinator", "coordinator reports": "coordinator",
                                        "coordinator dashboard": "coordinator",
                                        "coordinator audit": "coordinator", "admin audit": "admin",
                                        "employer pipeline": "employer",
                                        "employer recommended": "employer"}.get(name, "student")]}
    if name == "coordinator candidates":
        return "GET", f"/coordinador/ofertas/{rng.choice(t['candidates'])}/candidatos", {**base, **cookie}, None
    if name == "employer pipeline":
        return "GET", f"/empresa/ofertas/{rng.choice(t['pipeline'])}/postulantes", {**base, **cookie}, None
    if name == "employer recommended":
        return "GET", f"/empresa/ofertas/{rng.choice(t['recommended'])}/recomendados", {**base, **cookie}, None
    if name == "student recommendations":
        return "GET", "/estudiante/recomendadas", {**base, **cookie}, None
    if name == "coordinator reports":
        return "GET", "/coordinador/reportes", {**base, **cookie}, None
    if name == "coordinator dashboard":
        return "GET", "/coordinador", {**base, **cookie}, None
    if name == "coordinator audit":  # her CETPRO's trail, first page (its count included)
        return "GET", "/coordinador/auditoria", {**base, **cookie}, None
    if name == "admin audit":
        return "GET", "/admin/auditoria", {**base, **cookie}, None
    if name == "apply":
        opening = t["apply"][ctx["apply_next"](rng)] if t["apply"] else rng.choice(t["open"])
        body = urlencode({"csrf_token": ctx["csrf"], "message": ""}).encode()
        return "POST", f"/ofertas/{opening}/postular", {
            **base, **cookie, **HTMX, "Content-Type": "application/x-www-form-urlencoded"}, body
    raise ValueError(name)


def _client(args) -> dict:
    """One client: requests one after another until the deadline or the count is reached."""
    port, name, ctx, start_at, deadline, max_requests, seed, index, clients = args
    time.sleep(max(0.0, start_at - time.monotonic()))  # every client starts together
    rng = random.Random(seed)
    # Each client applies to its own slice of the eligible openings: a write, not a repeat.
    counter = iter(range(index, 10**9, clients))
    ctx = {**ctx, "apply_next": lambda _rng: next(counter) % max(1, len(ctx["targets"]["apply"]))}
    latencies, statuses, sizes = [], {}, []
    while time.monotonic() < deadline and len(latencies) < max_requests:
        method, path, headers, body = build_request(name, ctx, rng)
        if name == "floor":
            path = "/"
        started = time.perf_counter()
        status, _, data = request(port, method, path, headers, body)
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
        sizes.append(len(data))
    return {"latencies": latencies, "statuses": statuses, "bytes": sum(sizes), "ended": time.monotonic()}


class FormFields(HTMLParser):
    """What a browser sends for the form with id `form_id`: inputs (checked boxes and
    radios only), the selected options of each select, and textareas."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, list[str]] = defaultdict(list)
        self._select: list | None = None    # [name, multiple, [[value, selected, text], ...]]
        self._option: list | None = None
        self._textarea: list | None = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name].append(a.get("value") or "on")
            else:
                self.fields[name].append(a.get("value") or "")
        elif tag == "select" and name and "disabled" not in a:
            self._select = [name, "multiple" in a, []]
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select[2].append(self._option)
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option":
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields[name].append(text[1:] if text.startswith("\n") else text)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple, options = self._select
            chosen = [o for o in options if o[1]] or ([] if multiple or not options else options[:1])
            for value, _, text in chosen:
                self.fields[name].append(value if value is not None else text.strip())
            self._select = self._option = None


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    """The values a browser would submit from the form, by field name."""
    parser = FormFields(form_id)
    parser.feed(html)
    parser.close()
    return dict(parser.fields)


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """The same, as the (name, value) pairs of the request body, in order."""
    return [(name, value) for name, values in form_values(html, form_id).items() for value in values]


def edited(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The form with its title switched to the other of its two variants (one real change
    the listing shows, and a title that stays within its 160 characters however often)."""
    def other(title: str) -> str:
        if title.endswith(TITLE_SUFFIX):
            return title.removesuffix(TITLE_SUFFIX)
        return title[:160 - len(TITLE_SUFFIX)] + TITLE_SUFFIX
    return [(name, other(value) if name == "title" else value) for name, value in fields]


def _writer(args) -> dict:
    """An employer saving the edit form of the company's openings in turn, `rate` times a second
    from `start_at` to `deadline` (a late save is not made up by a burst)."""
    port, writes, start_at, deadline = args
    jar = {k: v.value for k, v in SimpleCookie(writes["cookie"]).items()}
    openings, interval = writes["openings"], 1 / writes["rate"]
    latencies, statuses, form_statuses = [], {}, {}
    made, next_at = 0, start_at
    while next_at < deadline:
        time.sleep(max(0.0, next_at - time.monotonic()))
        opening = openings[made % len(openings)]
        made += 1
        path = f"/empresa/ofertas/{opening}/editar"
        status, headers, body = request(port, "GET", path, {"Cookie": _cookie_header(jar)})
        _cookies(jar, headers)
        form_statuses[str(status)] = form_statuses.get(str(status), 0) + 1
        if status == 200:
            form = urlencode(edited(form_fields(body.decode(), "opening-form"))).encode()
            started = time.perf_counter()
            status, headers, _ = request(port, "POST", path, {
                "Cookie": _cookie_header(jar), "Content-Type": "application/x-www-form-urlencoded"}, form)
            latencies.append(time.perf_counter() - started)
            _cookies(jar, headers)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        next_at = max(next_at + interval, time.monotonic())
    # planned: what the rate asks over the phase; fewer are made when a save waits behind reads and rebuilds
    return {"planned": math.ceil((deadline - start_at) * writes["rate"]), "latencies": latencies,
            "statuses": statuses, "form_statuses": form_statuses}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run_phase(port: int, name: str, ctx: dict, clients: int, duration: float, log: Path, seed: int,
              writes: dict | None = None) -> dict:
    """`clients` processes sending `name` requests for `duration` seconds. With `writes`
    ({"rate", "cookie", "openings"}), one more process saves the opening edit form at that rate
    over the same interval; server times are then the measured endpoint's log lines only."""
    offset = log.stat().st_size
    max_requests = 20_000
    if name in RANKED:
        ranked_draw(ctx, name)  # here, not in each client's measured window
    started = time.monotonic() + 0.3 + 0.05 * clients  # time for the client processes to fork
    deadline = started + duration
    jobs = [(port, name, ctx, started, deadline, max_requests, seed * 1000 + i, i, clients) for i in range(clients)]
    with ProcessPoolExecutor(1, mp_context=get_context("fork")) as writer_pool, \
            ProcessPoolExecutor(clients, mp_context=get_context("fork")) as pool:
        # a pool spawns its process on the first submit: none without writes
        saving = writer_pool.submit(_writer, (port, writes, started, deadline)) if writes else None
        parts = list(pool.map(_client, jobs))
        saves = saving.result() if saving else None
    elapsed = max(p["ended"] for p in parts) - started
    time.sleep(0.2)  # let the workers' log lines land
    server, save_server, form_server = [], [], []
    with log.open() as f:
        f.seek(offset)
        for line in f:
            fields = line.split()
            if not fields or not fields[0].isdigit():
                continue
            seconds = int(fields[0]) / 1e6
            if writes is None or tuple(fields[2:4]) == WRITES_READ:
                server.append(seconds)
            elif fields[3].endswith("/editar"):
                (save_server if fields[2] == "POST" else form_server).append(seconds)
    latencies = [x for part in parts for x in part["latencies"]]
    statuses: dict = {}
    for part in parts:
        for status, n in part["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
    ms = lambda seconds: round(seconds * 1000, 2)  # noqa: E731
    result = {
        "clients": clients, "requests": len(latencies), "seconds": round(elapsed, 2),
        "throughput": round(len(latencies) / elapsed, 1), "statuses": statuses,
        "server_ms": {"p50": ms(percentile(server, 50)), "p95": ms(percentile(server, 95)),
                      "p99": ms(percentile(server, 99)), "max": ms(max(server, default=float("nan")))},
        "client_ms": {"p50": ms(percentile(latencies, 50)), "p95": ms(percentile(latencies, 95)),
                      "p99": ms(percentile(latencies, 99))},
        "mean_bytes": round(sum(p["bytes"] for p in parts) / max(1, len(latencies))),
    }
    if saves is not None:
        result["saves"] = {
            "rate": writes["rate"], "planned": saves["planned"], "done": len(saves["latencies"]),
            "statuses": saves["statuses"], "form_statuses": saves["form_statuses"],
            "client_ms": {"p50": ms(percentile(saves["latencies"], 50)),  # the POST, as the employer waits it
                          "max": ms(max(saves["latencies"], default=float("nan")))},
            "server_ms": {"p50": ms(percentile(save_server, 50)), "max": ms(max(save_server, default=float("nan")))},
            "form_server_ms": {"p50": ms(percentile(form_server, 50)),
                               "max": ms(max(form_server, default=float("nan")))},
        }
    return result


def measure_weights(port: int) -> dict:
    """Bytes on the wire (gzip) of a full listing page with its CSS and JS, and a 20-result fragment."""
    gz = {"Accept-Encoding": "gzip"}
    _, headers, page = request(port, "GET", "/ofertas", gz)
    html = gzip.decompress(page).decode() if headers.get("Content-Encoding") == "gzip" else page.decode()
    assets = {}
    for url in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html))):
        status, asset_headers, body = request(port, "GET", url.replace("&amp;", "&"), gz)
        assets[url.split("?")[0]] = {"bytes": len(body), "encoding": asset_headers.get("Content-Encoding", ""),
                                     "cache_control": asset_headers.get("Cache-Control", "")}
    _, fragment_headers, fragment = request(port, "GET", "/ofertas", {**gz, **HTMX})
    fragment_html = gzip.decompress(fragment) if fragment_headers.get("Content-Encoding") == "gzip" else fragment
    return {
        "page_bytes": len(page), "page_encoding": headers.get("Content-Encoding", ""),
        "assets": assets, "page_total_bytes": len(page) + sum(a["bytes"] for a in assets.values()),
        "fragment_bytes": len(fragment), "fragment_encoding": fragment_headers.get("Content-Encoding", ""),
        "fragment_results": fragment_html.count(b'<li class="opening">'),
        "fragment_raw_bytes": len(fragment_html),
    }


# --- Report -----------------------------------------------------------------------------------


def machine() -> dict:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    commit = ""
    git = common = ROOT / ".git"
    try:  # read, not run: the commit the tree was checked out at
        if git.is_file():  # a worktree: .git names its own directory, whose commondir holds the refs
            git = (ROOT / git.read_text().split("gitdir:", 1)[1].strip()).resolve()
            common = (git / (git / "commondir").read_text().strip()).resolve()
        ref = (git / "HEAD").read_text().strip()
        if ref.startswith("ref: "):
            ref_path = common / ref[5:]
            if ref_path.exists():
                ref = ref_path.read_text().strip()
            else:
                packed = (common / "packed-refs").read_text()
                ref = next(line.split()[0] for line in packed.splitlines() if line.endswith(ref[5:]))
        commit = ref[:12]
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit or "unknown"}


def markdown(result: dict) -> str:
    m, w = result["machine"], result["weights"]
    lines = [
        f"Measured {m['date']} on {m['nproc']} CPUs, {m['memory']} RAM, Python {m['python']}, commit "
        f"`{m['commit']}`; {result['dataset']} ({result['sizes']['openings']:,} openings, "
        f"{result['sizes']['students']:,} students, {result['sizes']['applications']:,} applications); "
        f"gunicorn {result['workers']} sync workers; {result['duration']:g} s per endpoint and concurrency; "
        "clients send `Accept-Encoding: gzip`. Server time is gunicorn's request time.",
        "",
        "| endpoint | server p50 ms (1 client) | p95 | p99 | req/s at 1 | req/s at 16 | server p95 ms at 16 | statuses |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name in [*ENDPOINTS, "floor"]:
        one, many = result["endpoints"][name]["1"], result["endpoints"][name].get(str(result["concurrency"]), {})
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted({**one["statuses"]}.items()))
        lines.append(
            f"| {name} | {one['server_ms']['p50']} | {one['server_ms']['p95']} | {one['server_ms']['p99']} | "
            f"{one['throughput']} | {many.get('throughput', '')} | {many.get('server_ms', {}).get('p95', '')} | {statuses} |")
    lines += [
        "",
        f"Listing fragment throughput at {result['concurrency']} clients / floor: **{result['floor_ratio']:.2f}** "
        f"(uniform over about 17,000 searches); **{result.get('floor_ratio_zipf', float('nan')):.2f}** "
        f"(those searches ranked, Zipf-weighted: the k-th 1/k as often as the first); "
        f"**{result.get('floor_ratio_popular', float('nan')):.2f}** (the {POPULAR} first of that ranking alone).",
        "",
        "| weight (gzip, bytes on the wire) | bytes |",
        "| --- | ---: |",
        f"| full `/ofertas` page, HTML only | {w['page_bytes']:,} |",
        *[f"| {url} ({a['encoding'] or 'identity'}, `{a['cache_control']}`) | {a['bytes']:,} |"
          for url, a in w["assets"].items()],
        f"| **full `/ofertas` page with CSS and JS** | **{w['page_total_bytes']:,}** |",
        f"| **{w['fragment_results']}-result listing fragment** ({w['fragment_raw_bytes']:,} uncompressed) "
        f"| **{w['fragment_bytes']:,}** |",
    ]
    return "\n".join(lines)


def write_markdown(path: Path, table: str, start: str = MD_START, end: str = MD_END) -> None:
    text = path.read_text() if path.exists() else f"# Performance\n\n{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1] if end in rest else ""
    path.write_text(f"{before}{start}\n{table}\n{end}{after}")


def scaling_markdown(scaling: dict, duration: float) -> str:
    sizes = {scale: data["sizes"] for scale, data in scaling.items()}
    header = " | ".join(f"{float(scale):.0%} ({sizes[scale]['students']:,} students, {sizes[scale]['openings']:,} openings)"
                        for scale in scaling)
    lines = [f"Server p50 / p95 ms at 1 client, {duration:g} s per endpoint, SQLite, measured "
             f"{machine()['date']}.", "", f"| endpoint | {header} |", "| --- |" + " ---: |" * len(scaling)]
    for name in SCALING_ENDPOINTS:
        cells = [f"{data['endpoints'][name]['server_ms']['p50']} / {data['endpoints'][name]['server_ms']['p95']}"
                 for data in scaling.values()]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return "\n".join(lines)


def check_budgets(weights: dict) -> list[str]:
    return [f"{key} = {weights[key]:,} B > budget {limit:,} B" for key, limit in BUDGETS.items() if weights[key] > limit]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 %% data set, 2 s per endpoint")
    parser.add_argument("--scale", type=float, help="fraction of the large set to build (default 1, or 0.1 with --quick)")
    parser.add_argument("--db", help="a built SQLite data set to reuse (copied, never written)")
    parser.add_argument("--duration", type=float, help="seconds per endpoint and concurrency (default 10, quick 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", action="append", choices=ENDPOINTS, help="measure only these endpoints")
    parser.add_argument("--markdown", default=str(ROOT / "docs" / "PERFORMANCE.md"),
                        help="where the table goes ('' to skip)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--scaling", action="store_true",
                        help="the matching and listing endpoints at 10, 30 and 100 %% of the large set (1 client)")
    parser.add_argument("--writes", action="append", type=float, metavar="RATE",
                        help="measure the listing fragment while an employer saves the opening edit form RATE "
                             "times a second (repeatable; 0 = no writes, the baseline)")
    parser.add_argument("--refresh", action="append", type=float, metavar="SCALE",
                        help="a write's refresh cost per worker at this fraction of the large set (repeatable)")
    parser.add_argument("--repeats", type=int, default=20, help="--refresh: writes timed per size (default 20)")
    parser.add_argument("--random-page-cost", type=float, default=1.1, metavar="COST",
                        help="PostgreSQL: ALTER DATABASE … SET random_page_cost before the run (default 1.1, the "
                             "README's production setting for SSDs; 4 is PostgreSQL's own default)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a weight is over its budget or an answer is not 2xx (timings are only reported)")
    args = parser.parse_args(argv)
    args.scale = args.scale or (0.1 if args.quick else 1.0)
    args.duration = args.duration or (2.0 if args.quick else 10.0)

    if args.scaling:
        return run_scaling(args)
    if args.writes:
        return run_writes(args)
    if args.refresh:
        return run_refresh(args)
    url, dataset = prepare_database(args)
    targets = pick_targets(url, args.seed)
    results: dict = {}
    with portal_server(url, args.workers, targets) as (port, ctx, weights, fragment, fragment_headers):
        for name in args.only or ENDPOINTS:
            results[name] = {}
            for clients in (1, args.concurrency):
                print(f"{name} × {clients}…", end=" ", flush=True)
                results[name][str(clients)] = phase = run_phase(port, name, ctx, clients, args.duration, LOG, args.seed)
                print(f"p95 {phase['server_ms']['p95']} ms, {phase['throughput']} req/s", flush=True)
    body_file = BENCH_DIR / "floor.body"
    body_file.write_bytes(fragment)
    floor_env = {"BENCH_FLOOR_BODY": str(body_file),
                 "BENCH_FLOOR_ENCODING": fragment_headers.get("Content-Encoding", "")}
    with gunicorn("bench.floor:app", args.workers, floor_env, LOG) as port:
        results["floor"] = {}
        for clients in (1, args.concurrency):
            print(f"floor × {clients}…", end=" ", flush=True)
            results["floor"][str(clients)] = phase = run_phase(port, "floor", ctx, clients, args.duration, LOG, args.seed)
            print(f"p95 {phase['server_ms']['p95']} ms, {phase['throughput']} req/s", flush=True)

    c = str(args.concurrency)
    ratio, zipf, popular = ((results[name][c]["throughput"] / results["floor"][c]["throughput"]
                             if name in results else float("nan"))
                            for name in ("listing fragment", "listing fragment (Zipf)", "listing fragment (popular)"))
    result = {"machine": machine(), "dataset": dataset, "sizes": targets["sizes"], "workers": args.workers,
              "duration": args.duration, "concurrency": args.concurrency, "quick": args.quick,
              "endpoints": results, "floor_ratio": round(ratio, 3), "floor_ratio_zipf": round(zipf, 3),
              "floor_ratio_popular": round(popular, 3), "weights": weights,
              "floor_body_bytes": len(fragment)}
    json_path = _write_json(result, "-quick" if args.quick else "")
    print(f"\nfloor ratio {ratio:.2f} (uniform), {zipf:.2f} (Zipf), {popular:.2f} (popular); JSON in {json_path.relative_to(ROOT)}")
    if args.markdown and not args.only:
        write_markdown(Path(args.markdown), markdown(result))
        print(f"table in {args.markdown}")
    print(markdown(result) if not args.only else "")
    problems = check_budgets(weights)
    statuses = {name: phase["statuses"] for name, phases in results.items() for phase in phases.values()
                if any(not code.startswith("2") for code in phase["statuses"])}
    if statuses:
        problems.append(f"answers other than 2xx: {statuses}")
    if args.check and problems:
        print("\nCHECK FAILED:\n  " + "\n  ".join(problems))
        return 1
    if args.check:
        print(f"\ncheck passed: weights within {BUDGETS}, every answer 2xx")
    return 0


LOG = BENCH_DIR / "access.log"


@contextmanager
def portal_server(url: str, workers: int, targets: dict):
    """gunicorn on the portal, signed-in cookies for each role, the weights and one fragment."""
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench-secret", "INSTANCE_PATH": str(BENCH_DIR / "instance")}
    with gunicorn("wsgi:app", workers, env, LOG) as port:
        weights = measure_weights(port)
        cookies = {role: _cookie_header(login(port, email)) for role, email in ACCOUNTS.items()}
        jar = {k: v.value for k, v in SimpleCookie(cookies["student"]).items()}
        _, headers, body = request(port, "GET", f"/ofertas/{targets['open'][0]}", {"Cookie": cookies["student"]})
        _cookies(jar, headers)  # the CSRF token is kept in the session on first use
        cookies["student"] = _cookie_header(jar)
        ctx = {"targets": targets, "cookies": cookies, "csrf": CSRF.search(body.decode()).group(1)}
        # The floor serves exactly what a listing fragment puts on the wire.
        method, path, headers, _ = build_request("listing fragment", ctx, random.Random(8))
        _, fragment_headers, fragment = request(port, method, path, headers)
        yield port, ctx, weights, fragment, fragment_headers


def run_scaling(args) -> int:
    """The matching and listing endpoints at 10, 30 and 100 % of the large set (SQLite)."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("--scaling builds three SQLite sets; run it without DATABASE_URL")
    scaling = {}
    for scale in SCALES:
        args.scale = scale
        url, dataset = prepare_database(args)
        targets = pick_targets(url, args.seed)
        with portal_server(url, args.workers, targets) as (port, ctx, _, _, _):
            endpoints = {}
            for name in SCALING_ENDPOINTS:
                endpoints[name] = phase = run_phase(port, name, ctx, 1, args.duration, LOG, args.seed)
                print(f"{scale:.0%} {name}: p50 {phase['server_ms']['p50']} p95 {phase['server_ms']['p95']} ms",
                      flush=True)
        scaling[str(scale)] = {"dataset": dataset, "sizes": targets["sizes"], "endpoints": endpoints}
    json_path = _write_json({"machine": machine(), "duration": args.duration, "scaling": scaling}, "-scaling")
    table = scaling_markdown(scaling, args.duration)
    if args.markdown:
        write_markdown(Path(args.markdown), table, SCALING_START, SCALING_END)
    print(f"{table}\n\nJSON in {json_path.relative_to(ROOT)}")
    return 0


def run_refresh(args) -> int:
    """A write's refresh cost in one worker, per scale (bench/refresh.py)."""
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    scales = sorted(set(args.refresh))
    if postgres and len(scales) > 1:
        sys.exit("--refresh on PostgreSQL measures the one set in DATABASE_URL: give one scale")
    runs = {}
    for scale in scales:
        args.scale = scale
        url, dataset = prepare_database(args)
        print(f"refresh at scale {scale:g}…", flush=True)
        out = subprocess.run([sys.executable, str(ROOT / "bench" / "refresh.py"), url, str(args.repeats)],
                             cwd=ROOT, check=True, capture_output=True, text=True).stdout
        runs[f"{scale:g}"] = {"dataset": dataset, **json.loads(out.strip().splitlines()[-1])}
        print(json.dumps(runs[f"{scale:g}"]["sizes"]), flush=True)
    result = {"machine": machine(), "load_average_end": _load_average(), "runs": runs}
    json_path = _write_json(result, "-refresh")
    table = refresh_markdown(result, "postgresql" if postgres else "sqlite")
    if args.markdown:
        write_markdown(Path(args.markdown), table, *(m.format("postgresql" if postgres else "sqlite")
                                                     for m in REFRESH_MARKERS))
    print(f"{table}\n\nJSON in {json_path.relative_to(ROOT)}")
    problems = [f"scale {scale}: {size} changed openings rebuilt {run['rebuilt']} of {run['repeats']} times"
                for scale, data in runs.items() for size, run in data["sizes"].items() if run["rebuilt"]]
    if args.check and problems:
        print("\nCHECK FAILED:\n  " + "\n  ".join(problems))
        return 1
    return 0


def refresh_markdown(result: dict, database: str) -> str:
    m = result["machine"]
    lines = [
        f"Measured {m['date']} on {m['nproc']} CPUs, Python {m['python']}, commit `{m['commit']}`; {database}; "
        f"one process (bench/refresh.py); per size, that many open openings' titles changed in one committed "
        f"transaction, then the next read timed: the listing's index brought to the new version, then "
        f"matching's facts. Load average at the end {result['load_average_end']}.",
        "",
        "| set | open openings | changed | listing p50 / p95 ms | matching p50 / p95 ms | total p50 / p95 ms "
        "| rebuilt | full build p50 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale, data in result["runs"].items():
        for size, run in data["sizes"].items():
            lines.append(f"| {float(scale):.0%} | {data['open_openings']:,} | {size} "
                         f"| {run['listing']['p50']} / {run['listing']['p95']} "
                         f"| {run['matching']['p50']} / {run['matching']['p95']} "
                         f"| {run['total']['p50']} / {run['total']['p95']} "
                         f"| {run['rebuilt']} of {run['repeats']} | {data['full_build']['p50']} |")
    return "\n".join(lines)


def run_writes(args) -> int:
    """The listing fragment at 1 and `--concurrency` clients, once per `--writes` rate."""
    if any(rate < 0 for rate in args.writes):
        sys.exit("--writes: a rate is 0 or more saves a second")
    rates = sorted(set(args.writes))
    url, dataset = prepare_database(args)
    targets = pick_targets(url, args.seed)
    if not targets["recommended"] and any(rates):
        sys.exit(f"{ACCOUNTS['employer']} has no published opening to edit")
    runs: dict = {}
    load_start = _load_average()  # the machine may be shared: say how busy it was
    with portal_server(url, args.workers, targets) as (port, ctx, _, _, _):
        writes = {"cookie": ctx["cookies"]["employer"], "openings": targets["recommended"]}
        for rate in rates:
            runs[f"{rate:g}"] = {}
            for clients in (1, args.concurrency):
                # a few unmeasured reads first: a rebuild the previous phase's last save caused lands here
                warm = random.Random(args.seed)
                for _ in range(4 * args.workers):
                    request(port, *build_request(WRITES_ENDPOINT, ctx, warm)[:3])
                print(f"{WRITES_ENDPOINT} × {clients}, {rate:g} saves/s…", end=" ", flush=True)
                phase = run_phase(port, WRITES_ENDPOINT, ctx, clients, args.duration, LOG, args.seed,
                                  writes={**writes, "rate": rate} if rate else None)
                runs[f"{rate:g}"][str(clients)] = phase
                saves = phase.get("saves")
                print(f"{phase['throughput']} req/s, p99 {phase['server_ms']['p99']} ms"
                      + (f", {saves['done']} saves {saves['statuses']}" if saves else ""), flush=True)
    base = runs.get("0", {})
    for phases in runs.values():
        for clients, phase in phases.items():
            if clients in base:
                phase["throughput_ratio"] = round(phase["throughput"] / base[clients]["throughput"], 3)
                phase["p99_ratio"] = round(phase["server_ms"]["p99"] / base[clients]["server_ms"]["p99"], 3)
    result = {"machine": machine(), "load_average_start": load_start, "load_average": _load_average(), "dataset": dataset, "sizes": targets["sizes"],
              "workers": args.workers, "duration": args.duration, "concurrency": args.concurrency,
              "endpoint": WRITES_ENDPOINT, "openings_edited": len(targets["recommended"]), "writes": runs}
    json_path = _write_json(result, "-writes-quick" if args.quick else "-writes")
    table = writes_markdown(result)
    if args.markdown:
        database = "postgresql" if url.startswith("postgres") else "sqlite"
        write_markdown(Path(args.markdown), table, *(marker.format(database) for marker in WRITES_MARKERS))
        print(f"table in {args.markdown}")
    print(f"{table}\n\nJSON in {json_path.relative_to(ROOT)}")
    problems = writes_problems(runs)
    if args.check and problems:
        print("\nCHECK FAILED:\n  " + "\n  ".join(problems))
        return 1
    if args.check:
        print("\ncheck passed: every read and every save answered 2xx or 3xx")
    return 0


def writes_problems(runs: dict) -> list[str]:
    """Statuses, never timings: a read or a save that did not answer 2xx/3xx, an edit form
    that did not answer 200, or a phase with writes where no save was made."""
    problems = []
    for rate, phases in runs.items():
        for clients, phase in phases.items():
            where = f"{rate} saves/s, {clients} client(s)"
            bad = {code: n for code, n in phase["statuses"].items() if code[0] not in "23"}
            if bad:
                problems.append(f"{where}: reads answered {bad}")
            saves = phase.get("saves")
            if saves is None:
                continue
            bad = {code: n for code, n in saves["statuses"].items() if code[0] not in "23"}
            if bad:
                problems.append(f"{where}: saves answered {bad}")
            bad = {code: n for code, n in saves["form_statuses"].items() if code != "200"}
            if bad:  # a redirect here (to sign in) means no form, so no save
                problems.append(f"{where}: the edit form answered {bad}")
            if not saves["done"]:
                problems.append(f"{where}: no save was made")
    return problems


def writes_markdown(result: dict) -> str:
    m, load, n = result["machine"], result["load_average"], result["openings_edited"]
    lines = [
        f"Measured {m['date']} on {m['nproc']} CPUs, {m['memory']} RAM, Python {m['python']}, commit "
        f"`{m['commit']}`; {result['dataset']} ({result['sizes']['openings']:,} openings); gunicorn "
        f"{result['workers']} sync workers; {result['duration']:g} s per rate and concurrency; load average "
        f"(1, 5, 15 min) {result['load_average_start']} at the start, {load} at the end. Reads: the "
        f"{result['endpoint']} (random searches); writes: one more process, the employer saving the real edit "
        f"form of the company's {n} published opening{'s' if n != 1 else ''} in turn (title switched). "
        "Server time is gunicorn's request time of the reads only; × rate 0 compares with the run without "
        "writes at the same concurrency.",
        "",
        "| saves/s | clients | req/s | p50 ms | p95 | p99 | max | saves made of asked (statuses) "
        "| form GET; save POST: p50 / max ms | req/s × rate 0 | p99 × rate 0 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for rate, phases in result["writes"].items():
        for clients, phase in phases.items():
            s, saves = phase["server_ms"], phase.get("saves")
            done = (f"{saves['done']} of {saves['planned']} ("
                    + ", ".join(f"{k}×{v}" for k, v in sorted(saves["statuses"].items())) + ")") if saves else "—"
            save_ms = (f"{saves['form_server_ms']['p50']} / {saves['form_server_ms']['max']}; "
                       f"{saves['server_ms']['p50']} / {saves['server_ms']['max']}") if saves else "—"
            lines.append(
                f"| {rate} | {clients} | {phase['throughput']} | {s['p50']} | {s['p95']} | {s['p99']} | {s['max']} "
                f"| {done} | {save_ms} | {phase.get('throughput_ratio', '—')} | {phase.get('p99_ratio', '—')} |")
    return "\n".join(lines)


def _load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _write_json(result: dict, suffix: str) -> Path:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"{stamp}{suffix}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    sys.exit(main())
