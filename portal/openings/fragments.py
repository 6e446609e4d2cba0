"""The listing's fragment from memory: a repeated search answered with bytes already made.

Most of a job board's traffic is a few hundred popular searches asked again and again
(and htmx asks at every pause in the typing). Each process keeps the gzip-compressed
bytes of the listing fragments it answered, keyed by the open openings' version (data
version and Lima date, `OpenOpenings.version`), the normalised query (`Filters.args`:
two spellings of one search are one entry) and the signed-in student's audience classes,
the only per-person part of the fragment. A repeated search is answered with those bytes,
without searching, rendering or compressing again.

It is as exact as the index: the version is read first, as on every listing request, and
entries of an older version are never served (the whole cache is dropped when the version
moves). Only clients that accept gzip are served from it (every browser does); the others
get the fragment rendered as before.
"""
from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import Response, current_app, request

from portal import headers

LIMIT = 2048  # fragments kept per process (a few KB each: about 6 MB at most)
# The headers the view sets that a repeated answer must carry again (the app's own
# after-request hooks add the rest: security headers, Vary: Accept-Encoding, the request id).
KEPT_HEADERS = ("Content-Type", "Vary", "HX-Push-Url")


@dataclass(frozen=True)
class Fragment:
    body: bytes  # gzip
    kept: tuple[tuple[str, str], ...]  # KEPT_HEADERS as the first answer had them

    def response(self) -> Response:
        response = Response(self.body, status=200)
        for name, value in self.kept:
            headers.put(response, name, value)
        response.headers["Content-Encoding"] = "gzip"
        response.content_length = len(self.body)
        return response


_lock = threading.Lock()


def accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def compress(body: bytes) -> bytes:
    """A fragment's gzip bytes, the same for the same body (no timestamp)."""
    return gzip.compress(body, compresslevel=current_app.config.get("COMPRESS_LEVEL", 6), mtime=0)


def answer(version: Hashable, key: Hashable, render: Callable[[], Response]) -> Response:
    """The fragment for `key` at `version`: from memory when it was made before, else
    `render()`ed, compressed and kept (a 200 answer only)."""
    if not accepts_gzip():
        return render()
    state = current_app.extensions.setdefault("listing_fragments", {"version": None, "fragments": OrderedDict()})
    with _lock:
        if state["version"] != version:
            state["version"], state["fragments"] = version, OrderedDict()
        fragments = state["fragments"]
        held = fragments.get(key)
        if held is not None:
            fragments.move_to_end(key)
    if held is not None:
        return held.response()
    response = render()
    if response.status_code != 200 or response.is_streamed or "Content-Encoding" in response.headers:
        return response
    body = compress(response.get_data())
    held = Fragment(body, tuple((name, value) for name in KEPT_HEADERS
                                for value in response.headers.getlist(name)))
    with _lock:
        if state["version"] == version:
            fragments = state["fragments"]
            fragments[key] = held
            while len(fragments) > LIMIT:
                fragments.popitem(last=False)
    return held.response()
