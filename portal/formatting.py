"""Jinja filters that format for es-PE through Babel (S/ amounts, dates, numbers)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_currency
from flask_babel import format_date, format_datetime, format_decimal

from portal import places, vocab


def money(amount: Decimal | float | int | None) -> str:
    """'S/ 1,130.00' as Peruvians write it; empty for no amount."""
    if amount is None:
        return ""
    # Babel directly (not Flask-Babel) so rules outside a request can name amounts too.
    return format_currency(amount, "PEN", locale="es_PE")


def number(value: int | float | Decimal | None) -> str:
    return "" if value is None else format_decimal(value)


def day(value: date | datetime | None, form: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, form)


def moment(value: datetime | None, form: str = "medium") -> str:
    return "" if value is None else format_datetime(value, form)


def place(code: str | None) -> str:
    return places.label(code) if code else ""


def label(code: str | None, vocabulary: str) -> str:
    """The Spanish word for a stored code, e.g. `opening.kind|label('OPENING_KINDS')`."""
    if code is None:
        return ""
    return getattr(vocab, vocabulary).get(code, code)


FILTERS = {
    "money": money,
    "number": number,
    "day": day,
    "moment": moment,
    "place": place,
    "label": label,
}
