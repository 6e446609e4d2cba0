"""Helpers shared by the feature forms."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal

from babel import support
from flask import Flask, request
from wtforms import DateField, DecimalField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget


def init_app(app: Flask) -> None:
    """WTForms' own Spanish messages (and the labels it makes of unlabelled fields), read
    from disk once per process instead of once per request.

    Flask-WTF loads WTForms' catalogue for each request that builds a form (about 0.4 ms:
    every page with a form, since a hidden field's default label is looked up) and keeps it
    on the request as `wtforms_translations`; handing it the one loaded here skips that.
    The portal speaks one locale (the Babel selector always answers it)."""
    translations = support.Translations.load(messages_path(), [app.config["BABEL_DEFAULT_LOCALE"]],
                                              domain="wtforms")

    @app.before_request
    def _wtforms_translations() -> None:
        request.wtforms_translations = translations


def attach_errors(form, errors: Mapping[str, str | list[str]], message: str) -> None:
    """Put a service's Spanish messages beside the form fields they name; what names no
    field goes to the top of the form, so no message is ever lost."""
    placed = False
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + ([messages] if isinstance(messages, str) else list(messages))
            placed = True
    if not placed:
        form.form_errors.append(message)


def choices(mapping: Mapping[str, str]) -> list[SelectChoice]:
    """Select choices from a vocab mapping (stored code → Spanish word)."""
    return options(mapping.items())


def options(pairs: Iterable[tuple], first: tuple | None = None) -> list[SelectChoice]:
    """Select choices from (value, label) pairs, after an optional `first` one ("— Elige —")."""
    return [SelectChoice(value, label) for value, label in ([first] if first else []) + list(pairs)]


# Every id column is an INTEGER (PostgreSQL's int4): a bigger number names no row, and the
# database drivers refuse it with an overflow error (a 500) instead of finding nothing.
ID_MAX = 2**31 - 1


def form_id(value) -> int:
    """`coerce=` for a choice of ids: int(), refusing numbers no id can be like it refuses text."""
    number = int(value)
    if abs(number) > ID_MAX:
        raise ValueError("not an id")
    return number


def lenient_int(value) -> int:
    """An id from the form; anything that is not a number (or cannot be an id) becomes 0,
    which no row has (the service then says, in Spanish, to pick from the list)."""
    try:
        return form_id(value if isinstance(value, int) else str(value).strip())
    except (TypeError, ValueError):
        return 0


class CheckboxesField(SelectMultipleField):
    """A multiple choice drawn as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SpanishDateField(DateField):
    """A date whose parse error speaks plain Spanish."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Esa fecha no es válida. Escríbela como día/mes/año.") from None


NUMBER_MESSAGE = "Escribe un número (por ejemplo 6 o 7.5)."

# Digits with an optional sign and decimal point, nothing else: what people type.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def parse_decimal(text, message: str = NUMBER_MESSAGE) -> Decimal:
    """The one way typed text becomes a Decimal: "7.5", "-2", " 1130 ", and "１２" from a
    full-width keyboard (NFKC makes it "12").

    `Decimal()` alone also takes "NaN", "sNaN", "Infinity" and "1e999": a NaN makes every later
    comparison raise InvalidOperation (a 500), and no one means an exponent, underscores or
    another script's digits in an amount or a number of hours. All of that is refused with
    ValueError(`message`), a Spanish sentence the form shows beside the field."""
    normal = unicodedata.normalize("NFKC", text if isinstance(text, str) else str(text or "")).strip()
    if not _DECIMAL.fullmatch(normal):
        raise ValueError(message)
    return Decimal(normal)


class SpanishDecimalField(DecimalField):
    """A decimal read by `parse_decimal`, whose parse error is a Spanish sentence given per
    field kind. Every decimal field of the portal is one of these."""

    message = NUMBER_MESSAGE

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_decimal(valuelist[0], self.message)
        except ValueError:
            self.data = None
            raise

    def pre_validate(self, form):
        # Text that is not a number gets that one message, not also the range's ("Entre 1 y
        # 24 horas."). Empty text goes on to the validators: Optional or InputRequired decide.
        if self.process_errors and self.raw_data and str(self.raw_data[0]).strip():
            raise StopValidation()
