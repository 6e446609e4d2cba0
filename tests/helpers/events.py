"""Reading what an htmx answer announces (`HX-Trigger`, JSON with ASCII escapes)."""
from __future__ import annotations

import json


def events(response) -> dict:
    """The events of an answer's `HX-Trigger`, decoded ({} when there is none)."""
    raw = response.headers.get("HX-Trigger")
    return json.loads(raw) if raw else {}


def toast(response) -> str:
    """The message an answer shows as a toast ("" when it shows none)."""
    return (events(response).get("notice-posted") or {}).get("message", "")
