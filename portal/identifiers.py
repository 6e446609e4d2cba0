"""Peruvian identifiers, checked with python-stdnum, with Spanish messages that name the rule."""
from __future__ import annotations

import re

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.pe import cui, ruc


class IdentifierError(ValueError):
    """An identifier that breaks a rule; the message says which one, in Spanish."""


def clean_ruc(value: str | None) -> str:
    """Return the 11-digit RUC or raise IdentifierError saying which rule failed."""
    number = ruc.compact(value or "")
    if not number:
        raise IdentifierError("Ingresa el RUC de la empresa.")
    if not number.isdigit():
        raise IdentifierError("El RUC solo puede tener números.")
    try:
        return ruc.validate(number)
    except InvalidLength:
        raise IdentifierError(f"El RUC tiene 11 dígitos; ingresaste {len(number)}.") from None
    except InvalidComponent:
        raise IdentifierError(
            "El RUC debe empezar con 10, 15, 17 o 20 (persona natural o jurídica)."
        ) from None
    except InvalidChecksum:
        raise IdentifierError(
            "El RUC no es válido: su dígito verificador no corresponde. Revisa que esté bien escrito."
        ) from None
    except ValidationError:
        raise IdentifierError("El RUC no es válido.") from None


def clean_dni(value: str | None) -> str:
    """Return the 8-digit DNI (a trailing check digit is accepted and dropped)."""
    number = cui.compact(value or "")
    if not number:
        raise IdentifierError("Ingresa tu DNI.")
    if not number.isdigit():
        raise IdentifierError("El DNI solo puede tener números.")
    try:
        number = cui.validate(number)
    except InvalidLength:
        raise IdentifierError(f"El DNI tiene 8 dígitos; ingresaste {len(number)}.") from None
    except InvalidChecksum:
        raise IdentifierError("El dígito de verificación del DNI no corresponde.") from None
    except (InvalidFormat, ValidationError):
        raise IdentifierError("El DNI no es válido.") from None
    return number[:8]


_CE = re.compile(r"^[A-Z0-9]{9,12}$")


def clean_ce(value: str | None) -> str:
    """Carné de extranjería: 9 to 12 letters or digits, no check digit."""
    number = re.sub(r"[\s-]", "", (value or "")).upper()
    if not _CE.match(number):
        raise IdentifierError("El carné de extranjería tiene de 9 a 12 letras o números.")
    return number


def clean_document(kind: str, value: str | None) -> str:
    return clean_dni(value) if kind == "dni" else clean_ce(value)


_MOBILE = re.compile(r"^9\d{8}$")


def clean_mobile(value: str | None) -> str:
    """A Peruvian mobile number: 9 digits starting with 9 (an optional +51 is dropped)."""
    number = re.sub(r"[\s()-]", "", value or "")
    number = number.removeprefix("+51") if number.startswith("+51") else number
    if number.startswith("51") and len(number) == 11:
        number = number[2:]
    if not _MOBILE.match(number):
        raise IdentifierError("El celular tiene 9 dígitos y empieza con 9 (por ejemplo 987 654 321).")
    return number
