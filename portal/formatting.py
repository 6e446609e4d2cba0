"""Jinja filters that format for es-PE through Babel (S/ amounts, dates, numbers).

The portal speaks one locale (es_PE), so amounts, numbers and days format the same way
every time: they are remembered (a page of 30 openings would otherwise spend more time
in Babel than in its queries). Datetimes go through Flask-Babel for the Lima time zone.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from flask_babel import format_datetime

from portal import places, vocab

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
def _day(value: date, form: str) -> str:
    return format_date(value, form, locale=LOCALE)


def day(value: date | datetime | None, form: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return _day(value, form)


def moment(value: datetime | None, form: str = "medium") -> str:
    return "" if value is None else format_datetime(value, form)


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
    "place": place,
    "label": label,
    "sentence": sentence,
}
