"""Jinja filters that format for es-PE through Babel (S/ amounts, dates, numbers).

The portal speaks one locale (es_PE), so amounts, numbers and days format the same way
every time: they are remembered (a page of 30 openings would otherwise spend more time
in Babel than in its queries).

Dates and times have one format each, on every page and fragment and in every message
built in Python (notifications, emails, refusals), which call these functions too:

- a date, `day`: "2 dic. 2026" (Babel's medium date; September is "set." in Peru);
- a date and time, `moment`: "2 dic. 2026, 13:50", in Lima time, 24-hour clock;
- how long ago, `ago`: "hace 3 días", "hace 5 minutos", "hace un momento" — for recent
  events only (a notification, a last change); from 7 days on it is the date. Shown in a
  `<time>` whose title is the `moment` and whose datetime attribute is ISO.

A datetime is an instant (stored as naive UTC, portal/clock.py): its date is Lima's date,
not UTC's. Machines keep machine formats: spreadsheets and CSV exports write ISO or
DD/MM/YYYY cells (portal/spreadsheets.py), form inputs and `datetime` attributes ISO.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_currency, format_decimal, format_percent

from portal import clock, places, vocab

LOCALE = "es_PE"


@lru_cache(maxsize=8192)
def money(amount: Decimal | float | int | None) -> str:
    """'S/ 1,130.00' as Peruvians write it; empty for no amount."""
    if amount is None:
        return ""
    # Babel directly (not Flask-Babel) so rules outside a request can name amounts too.
    return format_currency(amount, "PEN", locale=LOCALE)


@lru_cache(maxsize=8192)
def number(value: int | float | Decimal | None) -> str:
    return "" if value is None else format_decimal(value, locale=LOCALE)


@lru_cache(maxsize=8192)
def _percent(value: float) -> str:
    return format_percent(value, "#,##0.#%", locale=LOCALE)


def percent(value: float | Decimal | None, empty: str = "—") -> str:
    """'45.7%' (one decimal at most); `empty` when there is no rate."""
    return empty if value is None else _percent(float(value))


@lru_cache(maxsize=8192)
def _day(value: date) -> str:
    return format_date(value, "medium", locale=LOCALE)


def _lima(value: datetime) -> datetime:
    """An instant (naive UTC as stored, or aware) in Lima time."""
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).astimezone(clock.LIMA)


def day(value: date | datetime | None) -> str:
    """'2 dic. 2026'; an instant by its date in Lima."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _lima(value).date()
    return _day(value)


def moment(value: datetime | None) -> str:
    """'2 dic. 2026, 13:50', in Lima time."""
    if value is None:
        return ""
    local = _lima(value)
    return f"{_day(local.date())}, {format_time(local, 'HH:mm', locale=LOCALE)}"


def span(starts: datetime | None, ends: datetime | None) -> str:
    """A time slot, in Lima time: 'lun., 7 dic. 2026, 10:00–10:30' (an interview's)."""
    if starts is None or ends is None:
        return ""
    start, end = _lima(starts), _lima(ends)
    weekday = format_date(start.date(), "EEE", locale=LOCALE)
    last = format_time(end, "HH:mm", locale=LOCALE)
    if end.date() != start.date():
        last = f"{_day(end.date())}, {last}"
    return f"{weekday}, {_day(start.date())}, {format_time(start, 'HH:mm', locale=LOCALE)}–{last}"


RECENT = timedelta(days=7)


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """'hace 3 días' for an instant of the last week ('hace un momento' under a minute);
    the date ('2 dic. 2026') for an older one."""
    if value is None:
        return ""
    elapsed = _lima(now or clock.now()) - _lima(value)
    if elapsed >= RECENT:
        return day(value)
    if elapsed < timedelta(minutes=1):
        return "hace un momento"
    return format_timedelta(-elapsed, add_direction=True, locale=LOCALE)


def place(code: str | None) -> str:
    return places.label(code) if code else ""


def label(code: str | None, vocabulary: str) -> str:
    """The Spanish word for a stored code, e.g. `opening.kind|label('OPENING_KINDS')`."""
    if code is None:
        return ""
    return getattr(vocab, vocabulary).get(code, code)


def sentence(text: str | None) -> str:
    """Free text people typed (a suspension reason), ended with exactly one final mark:
    "Cobra por postular" and "Cobra por postular." both read "Cobra por postular.", so a
    message that goes on after it never shows "..". """
    text = " ".join((text or "").split()).rstrip(". ")
    if not text:
        return ""
    return text if text.endswith(("!", "?", "…")) else text + "."


FILTERS = {
    "money": money,
    "number": number,
    "percent": percent,
    "day": day,
    "moment": moment,
    "span": span,
    "ago": ago,
    "place": place,
    "label": label,
    "sentence": sentence,
}
