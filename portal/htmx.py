"""The one place that speaks htmx 4's headers, so views never read them.

A *partial* htmx request (`HX-Request-Type: partial`) gets the fragment. Anything
else gets the whole page: plain browser requests, boosted navigation (htmx sends
`HX-Request-Type: full` when it targets the body), and history restores. Every
response whose body depends on these headers says so with `Vary`, so no cache
serves a fragment where a page belongs. `HX-Trigger` events are merged, never
overwritten, so a view and a helper can both announce something.

Header values are ASCII whatever the data: a company called «D’Sur» or a student
called D’Ángelo travels in `HX-Trigger` as JSON `\u2019` escapes, which htmx decodes,
instead of making the response unsendable (HTTP/1.1 headers are Latin-1 at best).

`done()` carries the user-facing message of a change: without htmx it is flashed
and the browser follows a 303; with htmx it travels as a `notice-posted` event that
static/app.js shows in the page's aria-live area (a toast).
"""
from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, make_response, redirect, render_template, request

from portal import headers

VARY_HEADERS = ("HX-Request", "HX-Request-Type")
NOTICE_EVENT = "notice-posted"


def is_htmx() -> bool:
    """Whether htmx sent this request (any kind)."""
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """Whether htmx asked for a piece of a page rather than the whole of it."""
    if not is_htmx():
        return False
    if request.headers.get("HX-History-Restore-Request") == "true":
        return False
    if request.headers.get("HX-Boosted") == "true":
        return False
    return request.headers.get("HX-Request-Type", "partial") == "partial"


def add_vary(response: Response) -> Response:
    present = {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    for header in VARY_HEADERS:
        if header.lower() not in present:
            response.vary.add(header)
    return response


def trigger(response: Response, event: str, detail: Any = None) -> Response:
    """Add an event to `HX-Trigger`, keeping any already there."""
    raw = response.headers.get("HX-Trigger")
    events: dict[str, Any] = {}
    if raw:
        try:
            parsed = json.loads(raw)
            events = parsed if isinstance(parsed, dict) else {str(parsed): None}
        except ValueError:
            events = {name.strip(): None for name in raw.split(",") if name.strip()}
    events[event] = detail
    headers.put(response, "HX-Trigger", json.dumps(events, ensure_ascii=True))
    return response


def notice(response: Response, message: str, kind: str = "success") -> Response:
    """Announce a message to show as a toast (`kind`: success, info or error)."""
    return trigger(response, NOTICE_EVENT, {"message": message, "kind": kind})


def render(page: str, fragment: str | None = None, /, status: int = 200, **context: Any) -> Response:
    """Render `fragment` for a partial htmx request and `page` for anything else."""
    template = fragment if fragment and is_partial() else page
    response = make_response(render_template(template, **context), status)
    return add_vary(response)


def done(location: str, fragment: str | None = None, /, message: str | None = None, kind: str = "success",
         status: int = 200, event: str | None = None, detail: Any = None, **context: Any) -> Response:
    """Answer a POST. Without htmx: `message` is flashed and the answer is a 303 to
    `location`. With htmx: the changed `fragment` (with `status`), or 204 when there is
    nothing to swap, and `message` as a toast. `event` goes in `HX-Trigger` either way
    it is useful (htmx reads it; a redirect ignores it).

    An error the user must see but that changes nothing passes `kind="error"` and a
    4xx `status`: htmx 4 swaps 4xx answers, and the page without JavaScript flashes it.
    """
    if is_htmx():
        if fragment:
            response = make_response(render_template(fragment, **context), status)
        else:
            response = make_response("", 204)
        if message:
            notice(response, message, kind)
    else:
        if message:
            flash(message, kind)
        response = redirect(location, code=303)
    if event:
        trigger(response, event, detail)
    return add_vary(response)
