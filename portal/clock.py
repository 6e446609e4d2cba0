"""The portal's one clock: every "now" and "today" in `portal/` comes from here.

Why Lima: the portal serves Peru, and its dates are Peru's calendar days. An opening is
open through the whole of its deadline day, a convenio is in force until midnight of its
end date, "this year" is Lima's year, all in Lima time, whatever the server's zone.
Servers usually run in UTC, five hours ahead: from 19:00 in Lima the server's date is
already tomorrow, so the server's date (`date.today()`) must never stand for "today".
Peru keeps no daylight saving time, so America/Lima is UTC-5 all year.

Why naive UTC in the database: instants (`created_at`, `published_at`, …) are stored in
`DateTime` columns without a time zone, because SQLite keeps none and PostgreSQL's
`timestamp without time zone` then compares the same way. Every stored instant is UTC
with its tzinfo dropped (`utcnow()`); pages and messages show it in Lima time through
portal/formatting.py.

Tests stop this clock with the `frozen_clock` fixture (tests/conftest.py), which replaces
`_source`, so `now()`, `today()` and `utcnow()` always agree on one instant.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")


def _source() -> datetime:
    """The current instant, aware (the one thing tests replace)."""
    return datetime.now(UTC)


def now() -> datetime:
    """The current instant in Lima time, aware."""
    return _source().astimezone(LIMA)


def today() -> date:
    """Today's date in Lima: what "today" means everywhere in the portal."""
    return now().date()


def utcnow() -> datetime:
    """The current instant as the database stores it: UTC, naive."""
    return _source().astimezone(UTC).replace(tzinfo=None)
