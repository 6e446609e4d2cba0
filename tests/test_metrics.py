"""/metrics: Prometheus text for the monitoring host only, counting every worker's requests."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from portal import jobs, mail, worker
from portal.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def _value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` in an exposition (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            got = ",".join(sorted((match[2] or "").split(","))) if match[2] else ""
            if got == wanted:
                return float(match[3])
    return 0.0


def test_metrics_count_requests_by_endpoint_and_read_the_outbox_and_jobs(app, client, frozen_clock):
    frozen_clock(datetime(2026, 12, 3, 10, 0))
    before = _value(client.get("/metrics").get_data(as_text=True), "enlace_requests_total",
                    endpoint="pages.home", method="GET", status="200")
    for _ in range(3):
        client.get("/")
    mail.queue("rosa@example.pe", "Hola", "Hola Rosa.")
    mail.queue("juan@example.pe", "Hola", "Hola Juan.")
    db.session.commit()
    frozen_clock(datetime(2026, 12, 3, 10, 1, 30))
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    text = answer.get_data(as_text=True)
    assert _value(text, "enlace_requests_total", endpoint="pages.home", method="GET", status="200") == before + 3
    assert _value(text, "enlace_request_seconds_count", endpoint="pages.home") >= 3
    assert _value(text, "enlace_outbox_pending") == 2
    assert _value(text, "enlace_outbox_oldest_seconds") == 90
    assert _value(text, "enlace_outbox_failed") == 0


def test_each_job_last_success_is_a_timestamp(app, client, frozen_clock):
    at = frozen_clock(datetime(2026, 12, 3, 10, 0))
    outbox = worker.TASKS[0]
    jobs.register(outbox.name, outbox.title, outbox.schedule.period)
    assert "enlace_job_last_success_timestamp{" not in client.get("/metrics").get_data(as_text=True)
    worker.run_task(outbox, "host-a:1")
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "enlace_job_last_success_timestamp", job="outbox") == at.timestamp()


@pytest.mark.parametrize(("address", "allow", "status"), [
    ("203.0.113.5", None, 404),            # the internet: as if there were no such page
    ("10.1.2.3", None, 404),
    ("10.1.2.3", "10.0.0.0/8", 200),       # the monitoring network, when allowed
    ("127.0.0.1", "10.0.0.0/8", 404),      # the list replaces the default
])
def test_metrics_answer_only_the_allowed_addresses(app, address, allow, status):
    if allow:
        app.config["METRICS_ALLOW"] = allow
    answer = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == status
    if status == 404:
        assert b"enlace_" not in answer.data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_under_gunicorn_any_worker_answers_with_the_requests_of_all(database_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test-secret",
           "PORTAL_ENV": "development", "MAIL_BACKEND": "console"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    access = tmp_path / "access.log"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--no-control-socket", "-w", "2",
                               "-b", f"127.0.0.1:{port}", "--access-logfile", str(access),
                               "--access-logformat", "%(p)s %(U)s", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/lugares", timeout=5)
                break
            except OSError:
                time.sleep(0.25)
        def answered() -> float:
            text = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
            return _value(text, "enlace_requests_total", endpoint="pages.place_fields", method="GET", status="200")

        before = answered()
        def workers_that_answered() -> set[str]:
            return {line.split()[0] for line in access.read_text().splitlines() if line.endswith(" /lugares")}

        # Both workers must answer some (a worker still booting, or a fast one, may take them
        # all): concurrent requests, batch after batch, until the access log shows two pids.
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            for _ in range(60):
                list(pool.map(lambda _: urllib.request.urlopen(base + "/lugares", timeout=10).read(), range(16)))
                sent += 16
                if len(workers_that_answered()) == 2:
                    break
                time.sleep(0.5)
        assert len(workers_that_answered()) == 2, "one worker answered everything"
        assert answered() == before + sent
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
