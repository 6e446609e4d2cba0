"""Issue 17: the real thing on loopback. Debian's nginx, with the project's own proxy
configuration (deploy/nginx/enlace-proxy.conf), balances two gunicorn "hosts" with
separate instance directories; one worker process; the suite's database; a Redis of the
test's own (so it can be stopped); a real SMTP server (aiosmtpd).

It shows: requests reach both hosts and static files never reach Python; rate limits count
each real client address through nginx (a forged X-Forwarded-For changes nothing); an
email queued through a host is delivered by the worker within seconds, and one the SMTP
server refuses is retried and then shown as failed; a second worker runs no job twice;
killing host A mid-load loses no acknowledged write while nginx answers from B; stopping
Redis leaves sign-in working and /salud "degraded"; a production start without
SECRET_KEY refuses with one clear line.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from portal.worker import TASKS
from tests.helpers.files import pdf_of_size
from tests.load.harness import (
    CREDENTIAL_SIGNING_KEYS,
    ROOT,
    SECRET_KEY,
    Gunicorn,
    Ledger,
    Stats,
    app_on,
    first_traceback,
    free_port,
    log_problems,
    run_people,
    seed_world,
    trust,
    verify,
)

pytestmark = pytest.mark.load

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REFUSED = "rechazo@carga.pe"

NGINX_CONF = """
user root;
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream enlace_app {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=30s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=30s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {dir}/enlace-proxy.conf;
    }}
}}
"""


class Inbox:
    """aiosmtpd handler: keeps each message with the time it arrived; refuses REFUSED."""

    def __init__(self):
        self.received: list[tuple[float, list[str]]] = []
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            self.refused += 1
            return "550 5.1.1 No existe ese buzón"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((time.monotonic(), list(envelope.rcpt_tos)))
        return "250 OK"


class Client:
    """A browser at one loopback address (127.0.0.N): nginx sees that address."""

    def __init__(self, port: int, source: str):
        self.port, self.source = port, source
        self.jar: dict[str, str] = {}
        self.token = ""

    def send(self, method: str, path: str, data: dict | None = None, headers: dict | None = None,
             files: dict[str, tuple[str, bytes, str]] | None = None):
        """(status, headers, body as text); the raw bytes stay in `self.body`."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        sent = dict(headers or {})
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if files is not None:
            boundary = "enlace-carga-boundary"
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.token}\r\n'.encode()]
            for field, (filename, content, content_type) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"'
                             f"\r\nContent-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            sent["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urlencode({"csrf_token": self.token, **data}).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            self.body = response.read()
            text = self.body.decode("utf-8", errors="replace")
        finally:
            connection.close()
        for raw in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            self.jar[name] = rest.split(";", 1)[0]
        if match := CSRF.search(text):
            self.token = match.group(1)
        return response.status, response.msg, text


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.fixture
def private_redis():
    """A Redis of this test's own on a free port, so stopping it stops nobody else's."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                 text=True).stdout.strip() == "PONG", 20, "redis")
    yield port, process
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def _outbox_row(url: str, to: str):
    from portal.extensions import db
    from portal.models import OutboxEmail

    with app_on(url):
        row = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == to)).first()
        return None if row is None else (row.attempts, row.last_error, row.failed_at, row.sent_at)


def _hurry_retries(url: str, to: str) -> None:
    """Make a waiting retry due now: the backoff's minutes and hours, without the waiting."""
    from portal.clock import utcnow
    from portal.extensions import db
    from portal.models import OutboxEmail

    with app_on(url):
        db.session.execute(update(OutboxEmail).where(OutboxEmail.to_address == to, OutboxEmail.failed_at.is_(None),
                                                     OutboxEmail.next_attempt_at.is_not(None))
                           .values(next_attempt_at=utcnow()))
        db.session.commit()


def _forget_outbox(url: str) -> None:
    from sqlalchemy import delete

    from portal.extensions import db
    from portal.models import OutboxEmail

    with app_on(url):
        db.session.execute(delete(OutboxEmail))
        db.session.commit()


def test_two_hosts_behind_nginx_with_a_worker_redis_and_smtp(database, label, tmp_path, private_redis, smtp):
    redis_port, redis_process = private_redis
    smtp_port, inbox = smtp
    world = seed_world(database, cetpros=1, students_per_cetpro=10, companies=2, openings_per_company=3)
    from tests import factories

    with app_on(database):
        factories.student(email=REFUSED)
        admin_email = factories.admin(email="admin@carga.pe").email

    port = free_port()
    common = {"TRUSTED_PROXIES": "1", "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
              "BASE_URL": f"http://127.0.0.1:{port}", "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
              "MAIL_PORT": str(smtp_port), "MAIL_USE_TLS": "0", "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute"}
    hosts = []
    for name in ("a", "b"):
        home = tmp_path / f"host-{name}"
        home.mkdir()
        hosts.append(Gunicorn(database, home, workers=2, name=name,
                              env={**common, "INSTANCE_PATH": str(home / "instance"),
                                   "UPLOAD_PATH": str(home / "uploads")}).start())
    host_a, host_b = hosts

    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    proxy = (ROOT / "deploy/nginx/enlace-proxy.conf").read_text().replace("/srv/enlace", str(ROOT))
    (nginx_dir / "enlace-proxy.conf").write_text(proxy)
    (nginx_dir / "nginx.conf").write_text(NGINX_CONF.format(dir=nginx_dir, a=host_a.port, b=host_b.port, port=port))
    nginx = subprocess.Popen([NGINX, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    worker_env = {**os.environ, **common, "DATABASE_URL": database, "SECRET_KEY": SECRET_KEY,
                  "CREDENTIAL_SIGNING_KEYS": CREDENTIAL_SIGNING_KEYS, "INSTANCE_PATH": str(tmp_path / "worker")}
    workers: list[subprocess.Popen] = []

    def start_worker(log: Path) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                                   env=worker_env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        workers.append(process)
        _wait(lambda: "en marcha" in log.read_text(), 60, f"worker {log.name}")
        return process

    try:
        visitor = Client(port, "127.0.0.1")
        def nginx_answers() -> bool:
            try:
                return visitor.send("GET", "/salud")[0] == 200
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read()
                return False

        _wait(nginx_answers, 30, "nginx")
        start_worker(tmp_path / "worker-1.log")

        # Both hosts answer; static files come from nginx with a year-long cache.
        answers = [visitor.send("GET", "/ofertas")[0] for _ in range(20)]
        served = [len(host.access_log.read_text().splitlines()) for host in hosts]
        status, headers, _ = visitor.send("GET", "/static/app.css")
        assert answers == [200] * 20 and all(count > 0 for count in served), served
        assert status == 200 and "immutable" in headers["Cache-Control"]
        assert not any("/static/" in host.access_log.read_text() for host in hosts)

        # Rate limits per real client address: /recuperar allows 10 an hour per address.
        # One client forging a new X-Forwarded-For each time is still one client.
        forger = Client(port, "127.0.0.2")
        forger.send("GET", "/recuperar")
        forged = [forger.send("POST", "/recuperar", {"email": f"nadie{n}@carga.pe"},
                              headers={"X-Forwarded-For": f"203.0.113.{n}"})[0] for n in range(11)]
        other = Client(port, "127.0.0.3")
        other.send("GET", "/recuperar")
        neighbour = other.send("POST", "/recuperar", {"email": "nadie@carga.pe"})[0]
        assert forged == [303] * 10 + [429], forged
        assert neighbour == 303

        # Email: queued by whichever host answered, delivered by the worker over SMTP.
        asker = Client(port, "127.0.0.4")
        asker.send("GET", "/recuperar")
        before = len(inbox.received)
        asked = time.monotonic()
        assert asker.send("POST", "/recuperar", {"email": world.students[0]["email"]})[0] == 303
        arrived = _wait(lambda: next((t for t, to in inbox.received[before:] if world.students[0]["email"] in to), None),
                        30, "the reset email")
        delivery = arrived - asked
        assert delivery < 15

        # A CV uploaded through host A is downloaded through host B (files live in the
        # database; each host has its own, empty, instance and upload folders).
        cv = pdf_of_size(700 * 1024)  # larger than one chunk of the streamed download
        on_a, on_b = Client(host_a.port, "127.0.0.7"), Client(host_b.port, "127.0.0.7")
        on_a.send("GET", "/ingresar")
        assert on_a.send("POST", "/ingresar", {"email": world.students[2]["email"], "password": "enlace-demo"})[0] == 303
        on_a.send("GET", "/estudiante/perfil")
        uploaded = on_a.send("POST", "/estudiante/cv", files={"cv": ("mi-cv.pdf", cv, "application/pdf")})[0]
        on_b.jar = dict(on_a.jar)
        download, download_headers, _ = on_b.send("GET", "/estudiante/cv")
        assert uploaded == 303 and download == 200 and on_b.body == cv
        assert download_headers["Content-Type"] == "application/pdf"
        # gunicorn writes a streamed response's access line after the last chunk has gone:
        # the client may have read it all a moment before.
        _wait(lambda: re.search(r"303 POST /estudiante/cv$", host_a.access_log.read_text(), re.M), 5, "A's log")
        _wait(lambda: re.search(r"200 GET /estudiante/cv$", host_b.access_log.read_text(), re.M), 5, "B's log")
        assert not [p for host in ("a", "b") for p in (tmp_path / f"host-{host}").rglob("*") if p.suffix == ".pdf"]

        # Both hosts publish the same credential keys (CREDENTIAL_SIGNING_KEYS, not a key made
        # in each host's instance folder): a credential from one verifies with the other's.
        published = [Client(host.port, "127.0.0.8").send("GET", "/.well-known/jwks.json") for host in hosts]
        assert [answer[0] for answer in published] == [200, 200] and published[0][2] == published[1][2]

        # A refused email is retried (the backoff's waits shortened) and then kept as failed.
        asker.send("POST", "/recuperar", {"email": REFUSED})
        first = _wait(lambda: (row := _outbox_row(database, REFUSED)) and row[0] >= 1 and row, 30, "the first refusal")
        assert "550" in first[1]
        for _ in range(8):
            row = _outbox_row(database, REFUSED)
            if row[2] is not None:
                break
            _hurry_retries(database, REFUSED)
            attempts = row[0]
            _wait(lambda seen=attempts: _outbox_row(database, REFUSED)[0] > seen, 30, "a retry")
        attempts, error, failed_at, sent_at = _outbox_row(database, REFUSED)
        assert failed_at is not None and sent_at is None and attempts == 6 and "550" in error
        admin = Client(port, "127.0.0.5")
        admin.send("GET", "/ingresar")
        assert admin.send("POST", "/ingresar", {"email": admin_email, "password": "enlace-demo"})[0] == 303
        page = admin.send("GET", "/admin/correos")[2]
        assert REFUSED in page and "550" in page

        # A second worker started by mistake: every daily job has run for its slot already
        # (only the jobs that run every few seconds or minutes, such as the outbox, may run).
        second_log = tmp_path / "worker-2.log"
        start_worker(second_log)
        started = re.search(r"Tareas ejecutadas al iniciar: (.*)\.", second_log.read_text())[1]
        frequent = {task.name for task in TASKS if task.schedule.at is None}
        assert "outbox" in frequent and "alerts-digest" not in frequent
        assert set(started.split(", ")) <= {"ninguna", *frequent}, started

        # Host A killed (master and workers) mid-load: nginx answers from B; nothing
        # acknowledged is lost. (The ledger counts the load's emails: the ones above go.)
        _forget_outbox(database)
        stats, ledger = Stats(), Ledger()
        killed_at: list[float] = []

        def kill_host_a(elapsed: float) -> None:
            if not killed_at and elapsed > 4:
                pids = [host_a.process.pid, *host_a.worker_pids()]
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
                killed_at.append(elapsed)

        run_people(port, world, 12, stats, ledger, students=6, employers=2, coordinators=1, during=kill_host_a)
        after = [visitor.send("GET", "/ofertas")[0] for _ in range(10)]
        figures = verify(database, ledger, strict=False)
        # A POST in flight on A when it died has no answer from A; nginx does not send a
        # POST twice (it may have been written), so it answers 502 once. Nothing else fails.
        failed = [error for error in stats.server_errors if " 502" not in error]
        assert killed_at and after == [200] * 10
        assert not failed, failed[:5]

        # Redis stopped: sign-in still works (limits in memory), /salud says why.
        redis_process.kill()
        redis_process.wait()
        person = Client(port, "127.0.0.6")
        person.send("GET", "/ingresar")
        signed_in = person.send("POST", "/ingresar", {"email": world.students[1]["email"], "password": "enlace-demo"})[0]
        health = visitor.send("GET", "/salud")[2]
        assert signed_in == 303
        assert '"rate_limits":"unreachable"' in health and '"status":"degraded"' in health

        trust(f"deployment on {label}: nginx over hosts {host_a.port} and {host_b.port} (requests split "
              f"{served[0]}/{served[1]}); forged X-Forwarded-For from one client: {forged.count(303)} × 303 then "
              f"429, another client 303; reset email delivered by the worker in {delivery:.1f} s; a refused one "
              f"failed after {attempts} attempts and shows on /admin/correos; a {len(cv) // 1024} KB CV uploaded "
              f"through host A downloaded whole through host B; second worker ran: {started}; "
              f"host A killed at {killed_at[0]:.1f} s of 12 s of load: {stats.summary()}, "
              f"{len(ledger.acked)} writes acknowledged, {len(ledger.unknown)} answers lost, "
              f"{stats.statuses.get(502, 0)} × 502, then 10/10 answered by B; {figures}; Redis stopped: sign-in "
              f"{signed_in}, /salud degraded")
        for host in hosts[1:]:
            assert not log_problems(host.log()), first_traceback(host.log())
    finally:
        for process in workers:
            process.send_signal(signal.SIGINT)
        for process in workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        nginx.send_signal(signal.SIGQUIT)
        try:
            nginx.wait(timeout=15)
        except subprocess.TimeoutExpired:
            nginx.kill()
        for host in hosts:
            host.stop()


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env.update(PORTAL_ENV="production", INSTANCE_PATH=str(tmp_path), BASE_URL="https://enlacecetpro.pe",
               DATABASE_URL="postgresql+psycopg://enlace@127.0.0.1/enlace", MAIL_SERVER="smtp.example.pe",
               RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    done = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "--no-control-socket", "-w", "2",
                           "-b", f"127.0.0.1:{free_port()}", "wsgi:app"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Falta SECRET_KEY" in done.stderr and "Traceback" not in done.stderr
