"""POST /api/v1/students (roster:write): the roster sync. Up to 500 students a call, upserted
by DNI or carné de extranjería through the spreadsheet import's own checks and writes
(portal/roster/sync.py), with an optional `Idempotency-Key`: the same key with the same body answers what the first call
answered, without writing again; the same key with another body is refused (422)."""
from __future__ import annotations

import hashlib
import json

from flask import Response, g, request
from pydantic import BaseModel, ConfigDict, Field, create_model
from spectree import Response as Answers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.api import bp
from portal.api.auth import current_token, requires
from portal.api.problems import ApiProblem
from portal.api.spec import FieldError, Problem, spec
from portal.extensions import db
from portal.models import ApiIdempotencyKey, Cetpro, User
from portal.roster import sync
from portal.roster.sheets import FIELDS, HEADERS, INSTRUCTIONS

MAX_STUDENTS = 500
TEXT = 300  # generous: the import's own checks say, in its words, what is too long


# One field per column of the spreadsheet import (`sheets.FIELDS`), described by the
# template's own «Instrucciones»: a column added to the import is accepted here at once, as
# text, and checked by the import's code. Lists (modules; certificates) are joined as the
# cell writes them, with «;».
LISTS = {"modules", "certificates"}
_HELP = dict(INSTRUCTIONS)


def _field(name: str, header: str):
    words = f"Columna «{header}» de la plantilla. {_HELP.get(header, '')}".strip()
    if name in LISTS:
        return list[str], Field([], max_length=60, description=words + " Aquí, una lista: un elemento por cada uno.")
    return str, Field("", max_length=TEXT, description=words)


StudentIn = create_model("StudentIn", __config__=ConfigDict(extra="forbid"),
                         __doc__="One student, with the spreadsheet's columns; an empty or missing optional "
                                 "value keeps what is on record.",
                         **{name: _field(name, header) for name, header in zip(FIELDS, HEADERS, strict=True)})


class SyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    students: list[StudentIn] = Field(min_length=1, max_length=MAX_STUDENTS)  # type: ignore[valid-type]


class SyncHeaders(BaseModel):
    idempotency_key: str | None = Field(None, alias="Idempotency-Key", pattern=r"^[!-~]{1,200}$",
                                        description="Un valor único por lote (p. ej. un UUID): repetir la "
                                                    "llamada con la misma clave no vuelve a escribir.")


class RowOut(BaseModel):
    row: int = Field(description="Posición del estudiante en `students`, desde 1.")
    dni: str = Field(description="El DNI de la fila (vacío si la fila trae carné de extranjería).")
    ce: str = Field(description="El carné de extranjería de la fila (vacío si trae DNI).")
    result: str = Field(description="created, updated, unchanged o refused.")
    student_id: int | None
    errors: list[FieldError] = Field(description="Si fue rechazado: cada dato (`field`, el nombre del campo) "
                                                 "y por qué (`reason`, con las palabras de la importación).")
    notes: list[str] = Field(description="Avisos que no impiden guardar (p. ej. el correo lo cambia la persona).")


class SyncOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    refused: int
    results: list[RowOut]


# What the request carries: the body and the Idempotency-Key header (spectree's `headers=`
# names a model of request headers; no response header is written from it).
REQUEST = {"json": SyncIn, "headers": SyncHeaders}


def _row(student) -> dict:
    values = student.model_dump()
    for name in LISTS & set(values):
        values[name] = "; ".join(item.strip() for item in values[name] if item.strip())
    return values


@bp.route("/students", methods=["POST"])
@spec.validate(**REQUEST,
               resp=Answers(HTTP_200=SyncOut, HTTP_401=Problem, HTTP_403=Problem, HTTP_409=Problem,
                            HTTP_413=Problem, HTTP_422=Problem, HTTP_429=Problem),
               tags=["estudiantes"], security=[{"token": ["roster:write"]}], operation_id="syncStudents")
@requires("roster:write")
def sync_students():
    """Sincronizar estudiantes

    Crea o actualiza hasta 500 estudiantes del CETPRO del token, identificados por su DNI o su carné de extranjería, con
    las mismas reglas que la importación de la hoja de cálculo. Cada fila se guarda entera o
    se rechaza entera (`refused`, con el dato y el motivo); las demás se guardan juntas. Una
    fila que no cambia nada es `unchanged`. Con `Idempotency-Key`, repetir la llamada
    devuelve la misma respuesta sin volver a escribir.
    """
    token = current_token()
    body: SyncIn = request.context.json
    key = request.context.headers.idempotency_key
    digest = hashlib.sha256(json.dumps(body.model_dump(), sort_keys=True).encode()).hexdigest()
    g.api_audit = {"rows": len(body.students), "idempotency_key": key}
    if key is not None and (kept := db.session.scalar(select(ApiIdempotencyKey).where(
            ApiIdempotencyKey.cetpro_id == token.cetpro_id, ApiIdempotencyKey.key == key))) is not None:
        if kept.body_hash != digest:
            raise ApiProblem(422, "Esta Idempotency-Key ya se usó con otro contenido: usa una clave nueva para "
                                  "cada lote distinto.",
                             errors=[{"field": "Idempotency-Key", "reason": "Ya usada con otro contenido."}])
        g.api_audit["replayed"] = True
        response = Response(json.dumps(kept.answer, ensure_ascii=False), status=kept.status,
                            mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    cetpro = db.session.get(Cetpro, token.cetpro_id)
    actor = db.session.get(User, token.created_by_id) if token.created_by_id else None
    try:
        results = sync.sync([_row(student) for student in body.students], cetpro, actor, token.id)
        answer = SyncOut(results=[RowOut(**vars(r)) for r in results],
                         **{kind: sum(1 for r in results if r.result == kind)
                            for kind in ("created", "updated", "unchanged", "refused")})
        payload = answer.model_dump(mode="json")
        if key is not None:
            db.session.add(ApiIdempotencyKey(cetpro_id=token.cetpro_id, key=key, body_hash=digest, status=200,
                                             answer=payload))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiProblem(409, "Otra solicitud guardó a alguno de estos estudiantes (o usó esta Idempotency-Key) "
                              "en este mismo momento. Nada de este lote se guardó: vuelve a enviarlo.") from None
    g.api_audit.update({kind: getattr(answer, kind) for kind in ("created", "updated", "unchanged", "refused")})
    return Response(json.dumps(payload, ensure_ascii=False), mimetype="application/json")
