"""Log output: one record per line on stderr, with the request it belongs to.

Every record carries its time, level, logger, and, inside a request, the request id,
the signed-in user's id and the route (endpoint). `LOG_FORMAT=json` (the default in
production) writes each record as one JSON object for a log collector; `text` (the
default in development) writes a plain line.

The request id is the proxy's `X-Request-ID` when a trusted proxy sends one
(TRUSTED_PROXIES > 0, a short token of letters, digits, `.`, `_`, `-`), a new one
otherwise; it is returned in the response's `X-Request-ID`, so a person's report of an
error can be matched to its log lines. `ACCESS_LOG` (on in production) adds one line
per request: method, path, status, duration.

Werkzeug puts ANSI colour codes into the text of its request lines (404 yellow, 5xx
magenta, ...) and of its development-server warning; written to a file (`make run > log`)
or a pipe they are noise, so they are taken out there.
"""
from __future__ import annotations

import logging
import os
import re
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

from portal import headers

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(route)s"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
access = logging.getLogger("portal.access")


class PlainUnlessTerminal(logging.StreamHandler):
    """A stream handler that drops ANSI escape codes unless its stream is a terminal
    (or NO_COLOR is set: https://no-color.org)."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if os.environ.get("NO_COLOR") or not _is_terminal(self.stream):
            return _ANSI.sub("", text)
        return text


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class RequestContext(logging.Filter):
    """Adds request_id, user_id and route to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            record.route = request.endpoint
            record.user_id = _user_id(g.get("_login_user"))
        else:  # given by the caller (the listing's fast path, portal/openings/fastpath.py), or None
            for name in ("request_id", "user_id", "route"):
                record.__dict__.setdefault(name, None)
        return True


def _user_id(user) -> int | None:
    """The id of the user already loaded for this request, read from the session's identity
    map: logging never queries (after a rollback every attribute is expired, and with the
    database down loading one would turn the log line of a 503 into a 500)."""
    if user is None:
        return None
    try:
        identity = inspect(user, raiseerr=False)
    except Exception:  # noqa: BLE001 - anything odd: no user id, never a failed log line
        return None
    if identity is None or not identity.identity:  # the anonymous user is no mapped object
        return None
    return identity.identity[0]


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                             timestamp=False, datefmt="%Y-%m-%dT%H:%M:%S%z")
    return logging.Formatter(FORMAT, datefmt="%Y-%m-%d %H:%M:%S")


def handler(kind: str, stream=None) -> logging.Handler:
    made = PlainUnlessTerminal(stream)
    made.setFormatter(formatter(kind))
    made.addFilter(RequestContext())
    return made


def configure(kind: str = "text", level: int = logging.INFO) -> None:
    """As logging.basicConfig: nothing happens when the root logger has a handler already."""
    root = logging.getLogger()
    if root.handlers:
        return
    root.addHandler(handler(kind))
    root.setLevel(level)


def init_app(app: Flask) -> None:
    configure(app.config.get("LOG_FORMAT", "text"))
    trust_proxy_id = bool(app.config.get("TRUSTED_PROXIES", 0))
    access_log = bool(app.config.get("ACCESS_LOG", False))

    @app.before_request
    def name_the_request() -> None:
        g.request_id = request_id(request.headers.get("X-Request-ID", "") if trust_proxy_id else "")
        g.request_started = time.perf_counter()

    @app.after_request
    def answer_with_its_id(response):
        if request_id := g.get("request_id"):
            headers.put(response, "X-Request-ID", request_id)
        if access_log and "request_started" in g:
            log_access(request.method, request.path, response.status_code, time.perf_counter() - g.request_started)
        return response


def request_id(given: str) -> str:
    """The proxy's id when it is one (`given`: only from a trusted proxy), else a new one."""
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def log_access(method: str, path: str, status: int, seconds: float, **outside_request) -> None:
    """The access log line of one request. Outside a request (the listing's fast path) the
    caller gives the request id and route the line would carry."""
    elapsed = round(seconds * 1000, 1)
    access.info("%s %s %s %s ms", method, path, status, elapsed,
                extra={"method": method, "path": path, "status": status, "duration_ms": elapsed, **outside_request})
