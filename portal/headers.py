"""Every response header the portal writes from data goes through `put`.

HTTP/1.1 header values are Latin-1 at best, and a line break would end one: a company
called «D’Sur», a student called D’Ángelo, an emoji or a full-width character must never
make a response unsendable (the dev server hangs; gunicorn answers a bare English 500
after the change was committed). Callers encode first — JSON with ASCII escapes
(`portal.htmx`), `url_for`, `portal.uploads.content_disposition` — and `put` is the
guard that keeps the promise whatever a caller forgets: what is not printable ASCII is
percent-encoded (UTF-8), control characters are dropped. tests/trust/test_unicode_headers.py
checks that nothing else in portal/ writes a header from data.
"""
from __future__ import annotations

import logging
from urllib.parse import quote

from flask import Response

_PRINTABLE_ASCII = "".join(chr(code) for code in range(32, 127))
log = logging.getLogger(__name__)


def safe(value: str) -> str:
    """`value` as printable ASCII: unchanged when it already is."""
    if value.isascii() and value.isprintable():
        return value
    kept = "".join(char for char in value if char.isprintable())
    return quote(kept, safe=_PRINTABLE_ASCII)


def put(response: Response, name: str, value: str) -> Response:
    """Set header `name` to `value`, made sendable (see the module's docstring)."""
    sendable = safe(value)
    if sendable != value:
        log.warning("header %s had characters HTTP cannot carry; sent percent-encoded", name)
    response.headers[name] = sendable
    return response
