"""Log output written to a file or a pipe (`make run > log`) carries no terminal colour codes."""
from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

import pytest

from portal.config import ROOT
from portal.logs import FORMAT, PlainUnlessTerminal

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
    handler.setFormatter(logging.Formatter(FORMAT))
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
