"""SENTRY_DSN: an unexpected error is reported, with its request id and without personal data."""
from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk

from tests import factories
from tests.helpers.web import serving


class Collector(BaseHTTPRequestHandler):
    """A Sentry-compatible ingest endpoint on loopback that keeps every envelope."""

    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        elif encoding:
            raise AssertionError(f"unexpected Content-Encoding {encoding}")
        Collector.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def collector():
    Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    sentry_sdk.init()  # no DSN: reporting off again for the rest of the suite


def _events() -> list[dict]:
    items = [json.loads(line) for body in Collector.received for line in body.splitlines() if line.strip()]
    return [item for item in items if item.get("exception")]


def test_an_unexpected_error_is_reported_without_personal_data(database_url, tmp_path, collector):
    with serving(database_url, tmp_path / "uploads", SENTRY_DSN=f"http://clave@127.0.0.1:{collector}/1",
                 PROPAGATE_EXCEPTIONS=False) as app:
        @app.post("/fallar")
        def fail():
            raise RuntimeError("se cayó el cálculo")

        client = app.test_client()
        email = factories.admin().email
        client.post("/ingresar", data={"email": email, "password": factories.PASSWORD})
        # Built, not written out: the report quotes this file's source around the error.
        dni, phone = "4587" + "1236", "9876" + "54321"
        answer = client.post(f"/fallar?telefono={phone}", data={"dni": dni})
        assert answer.status_code == 500
        sentry_sdk.flush(timeout=10)
    (event,) = _events()
    assert event["exception"]["values"][-1]["value"] == "se cayó el cálculo"
    assert event["tags"]["request_id"] == answer.headers["X-Request-ID"]
    sent = json.dumps(event)
    for personal in (dni, phone, email, "session=", "127.0.0.1\""):
        assert personal not in sent
    assert "user" not in event or not event["user"].get("email")


def test_without_sentry_dsn_nothing_is_reported(app, client, collector):
    @app.post("/fallar")
    def fail():
        raise RuntimeError("nadie se entera")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/fallar").status_code == 500
    sentry_sdk.flush(timeout=2)
    assert _events() == []
