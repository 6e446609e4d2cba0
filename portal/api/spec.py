"""The OpenAPI description, generated from the code by spectree (docs/ARCHITECTURE.md says
why): each operation's pydantic models validate what comes in and what goes out, and the
same models are the document served at /api/v1/openapi.json."""
from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, Field
from spectree import SecurityScheme, SecuritySchemeData, SpecTree

from portal.api.problems import ApiProblem, validation_problem

TITLE = "API de Enlace CETPRO"
VERSION = "1.0.0"
DESCRIPTION = (
    "La API para los sistemas de gestión de los CETPRO: ofertas publicadas, estudiantes, colocaciones "
    "y la sincronización de la matrícula. Autenticación con `Authorization: Bearer <token>` "
    "(tokens creados por la coordinación del CETPRO). Errores en formato RFC 9457 "
    "(`application/problem+json`). Guía completa: docs/API.md del repositorio."
)


class FieldError(BaseModel):
    field: str = Field(description="El dato refusado (p. ej. `students.3.dni`).")
    reason: str = Field(description="Por qué, en castellano.")


class Problem(BaseModel):
    """An RFC 9457 problem: every error answer of the API."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = Field(description="Qué pasó y qué hacer, en castellano.")
    errors: list[FieldError] | None = None


def _before(_request, _response, error, _instance, _adapter) -> None:
    if error is not None:
        raise validation_problem(error)


def _after(_request, _response, error, _instance, _adapter) -> None:
    if error is not None:  # our answer broke our own schema: a bug, reported as one
        raise ApiProblem(500) from error


spec = SpecTree(
    "flask", mode="strict", path="__spec", page_templates={}, title=TITLE, version=VERSION,
    description=DESCRIPTION, before=_before, after=_after, validation_error_model=Problem,
    # Schemas named as the classes (each name is used once in portal/api), nested ones too.
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[SecurityScheme(name="token", data=SecuritySchemeData(
        type="http", scheme="bearer",
        description="Un token de API del CETPRO («ecp_…»), con los permisos que pide cada operación."))],
)


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document: spectree's, with error answers as `application/problem+json`
    (what they are) and the servers' base left to the client."""
    doc = copy.deepcopy(spec.spec)
    for operations in doc["paths"].values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content")
                if content and int(status) >= 400 and "application/json" in content:
                    answer["content"] = {"application/problem+json": content.pop("application/json")}
    return doc
