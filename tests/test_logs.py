"""Log output written to a file or a pipe (`make run > log`) carries no terminal colour codes."""
from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest

from portal import logs
from portal.config import ROOT
from portal.logs import PlainUnlessTerminal

# The app served by werkzeug's development server (as `make run` does), asked for a page
# that does not exist: werkzeug colours that request line yellow.
SERVE_ONE_REQUEST = """
import threading, urllib.error, urllib.request
from werkzeug.serving import make_server
from portal import create_app

server = make_server("127.0.0.1", 0, create_app())
thread = threading.Thread(target=server.serve_forever, daemon=True)
thread.start()
try:
    urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/no-existe", timeout=30)
except urllib.error.HTTPError as error:
    assert error.code == 404, error.code
server.shutdown()
"""


def test_request_log_written_to_a_pipe_is_plain_text(tmp_path):
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test-secret",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'enlace.db'}"}
    env.pop("NO_COLOR", None)
    done = subprocess.run([sys.executable, "-c", SERVE_ONE_REQUEST], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"GET /no-existe HTTP/1.1" 404' in done.stderr
    assert "\x1b" not in done.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _logged(stream: io.StringIO) -> str:
    handler = PlainUnlessTerminal(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.emit(logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                                   '"\x1b[33mGET /no-existe HTTP/1.1\x1b[0m" 404 -', None, None))
    return stream.getvalue()


@pytest.mark.parametrize(("stream", "no_color", "expected"), [
    (io.StringIO, None, 'INFO werkzeug: "GET /no-existe HTTP/1.1" 404 -\n'),
    (Terminal, None, 'INFO werkzeug: "\x1b[33mGET /no-existe HTTP/1.1\x1b[0m" 404 -\n'),
    (Terminal, "1", 'INFO werkzeug: "GET /no-existe HTTP/1.1" 404 -\n'),
], ids=["file", "terminal", "terminal-no-color"])
def test_colours_only_on_a_terminal_without_no_color(monkeypatch, stream, no_color, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert _logged(stream()) == expected


# --- Request ids, JSON lines and the access log ------------------------------------------

SERVE_AS_PRODUCTION_LOGS = """
import threading, urllib.request
from werkzeug.serving import make_server
from portal import create_app

server = make_server("127.0.0.1", 0, create_app())
thread = threading.Thread(target=server.serve_forever, daemon=True)
thread.start()
answer = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{server.server_port}/lugares",
                                                       headers={"X-Request-ID": "nginx-7f3a"}), timeout=30)
print("ID", answer.headers["X-Request-ID"])
server.shutdown()
"""


def test_json_logs_carry_time_level_and_the_request_id_the_proxy_sent(tmp_path):
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test-secret", "LOG_FORMAT": "json",
           "ACCESS_LOG": "1", "TRUSTED_PROXIES": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'enlace.db'}"}
    done = subprocess.run([sys.executable, "-c", SERVE_AS_PRODUCTION_LOGS], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ID nginx-7f3a" in done.stdout
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    (line,) = [record for record in records if record["logger"] == "portal.access"]
    assert line["message"].startswith("GET /lugares 200 ")
    assert (line["level"], line["request_id"], line["route"], line["status"]) == ("INFO", "nginx-7f3a", "pages.place_fields", 200)
    assert line["duration_ms"] >= 0 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", line["time"])


def test_every_response_names_its_request_and_a_client_cannot_choose_the_id(app, client):
    generated = client.get("/salud").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/salud").headers["X-Request-ID"] != generated
    # Without a trusted proxy (TRUSTED_PROXIES=0) the header comes from the client: ignored.
    assert client.get("/salud", headers={"X-Request-ID": "elegido"}).headers["X-Request-ID"] != "elegido"


@pytest.mark.parametrize("sent", ["abc/def", "a b", "ñandú", "x" * 129, ""])
def test_a_trusted_proxy_id_that_is_not_a_short_token_is_replaced(database_url, tmp_path, sent):
    from tests.helpers.web import serving

    with serving(database_url, tmp_path / "uploads", TRUSTED_PROXIES=1) as app:
        given = app.test_client().get("/salud", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", given)
        assert app.test_client().get("/salud", headers={"X-Request-ID": "lb-1.2_3"}).headers["X-Request-ID"] == "lb-1.2_3"


def test_a_record_logged_in_a_request_names_the_user_and_the_route(app, client, auth):
    from tests import factories

    stream = io.StringIO()
    handler = logs.handler("json", stream)

    @app.get("/probar-log")
    def probe():
        from flask_login import current_user

        assert current_user.is_authenticated
        record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, "algo pasó", None, None)
        handler.handle(record)
        return "ok"

    admin = factories.admin()
    auth.login(admin)
    response = client.get("/probar-log")
    record = json.loads(stream.getvalue())
    assert record["message"] == "algo pasó" and record["level"] == "WARNING" and record["logger"] == "portal.test"
    assert record["user_id"] == admin.id and record["route"] == "probe"
    assert record["request_id"] == response.headers["X-Request-ID"]


def test_logging_in_a_request_never_queries_even_with_the_database_down(app, client, auth, monkeypatch):
    """The database-down handler logs inside the request: reading the user's id for the line
    must not load an expired attribute (that query failed and turned the 503 into a 500)."""
    from sqlalchemy.exc import OperationalError

    from portal.extensions import db
    from tests import factories

    stream = io.StringIO()
    handler = logs.handler("json", stream)

    @app.get("/probar-caida")
    def probe():
        from flask_login import current_user

        user_id = current_user.id
        db.session.expire_all()  # as after a rollback: loading anything would query

        def down(*args, **kwargs):
            raise OperationalError("SELECT 1", {}, Exception("the database system is shutting down"))

        monkeypatch.setattr(db.session(), "execute", down)  # the request's own Session, as the ORM calls it
        handler.handle(logging.LogRecord("portal", logging.ERROR, __file__, 1, "database unavailable", None, None))
        return str(user_id)

    admin = factories.admin()
    auth.login(admin)
    answer = client.get("/probar-caida")
    assert answer.status_code == 200
    assert json.loads(stream.getvalue())["user_id"] == admin.id
