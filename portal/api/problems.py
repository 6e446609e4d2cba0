"""The API's errors: raised as ApiProblem anywhere in a call, answered as RFC 9457 problem
details (portal.errors.problem) with a Spanish `detail`."""
from __future__ import annotations

from werkzeug.exceptions import HTTPException

from portal.errors import problem


class ApiProblem(HTTPException):
    """An error answer of the API; `errors` lists the fields refused and why."""

    def __init__(self, status: int, detail: str | None = None, errors: list[dict] | None = None):
        extra = {"errors": errors} if errors else {}
        super().__init__(detail, response=problem(status, detail, **extra))
        self.code = status


def _reason(error: dict) -> str:
    """pydantic's error, in Spanish."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "Falta este dato."
    if kind in ("string_too_long",):
        return f"Puede tener hasta {ctx.get('max_length')} caracteres."
    if kind in ("string_too_short",):
        return f"Debe tener al menos {ctx.get('min_length')} caracteres."
    if kind == "too_long":
        return f"Puede tener hasta {ctx.get('max_length')} elementos."
    if kind == "too_short":
        return f"Debe tener al menos {ctx.get('min_length')} elementos."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "Debe ser un número entero."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Debe ser al menos {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Puede ser hasta {ctx.get('le', ctx.get('lt'))}."
    if kind in ("literal_error", "enum"):
        return f"Valor no permitido: usa {ctx.get('expected', 'uno de los valores documentados')}."
    if kind in ("string_type",):
        return "Debe ser un texto."
    if kind in ("list_type",):
        return "Debe ser una lista."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "Debe ser un objeto JSON."
    if kind == "extra_forbidden":
        return "Este dato no existe en la API."
    if kind == "string_pattern_mismatch":
        return "El formato no es válido."
    if kind in ("bool_parsing", "bool_type"):
        return "Debe ser true o false."
    return "Valor no válido."


def validation_problem(error) -> ApiProblem:
    """A 422 naming each refused field (as a dotted path) and why."""
    errors = [{"field": ".".join(str(part) for part in e.get("loc", ())) or "(cuerpo)", "reason": _reason(e)}
              for e in error.errors()]
    return ApiProblem(422, "Algunos datos de la solicitud no son válidos: revisa `errors`.", errors=errors[:100])
