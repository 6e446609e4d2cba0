"""POST /api/v1/students (roster:write): the roster sync. Up to 500 students a call, upserted
by DNI through the spreadsheet import's own checks and writes (portal/roster/sync.py), with
an optional `Idempotency-Key`: the same key with the same body answers what the first call
answered, without writing again; the same key with another body is refused (422)."""
from __future__ import annotations

import hashlib
import json

from flask import Response, g, request
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response as Answers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.api import bp
from portal.api.auth import current_token, requires
from portal.api.problems import ApiProblem
from portal.api.spec import Problem, spec
from portal.extensions import db
from portal.models import ApiIdempotencyKey, Cetpro, User
from portal.roster import sync

MAX_STUDENTS = 500
TEXT = 300  # generous: the import's own checks say, in its words, what is too long


class StudentIn(BaseModel):
    """One student, with the spreadsheet's columns (the template's «Instrucciones» say what
    each takes); an empty or missing optional value keeps what is on record."""

    model_config = ConfigDict(extra="forbid")
    dni: str = Field("", max_length=TEXT, description="DNI, 8 dígitos (obligatorio).")
    first_names: str = Field("", max_length=TEXT, description="Nombres (obligatorio).")
    last_names: str = Field("", max_length=TEXT, description="Apellidos (obligatorio).")
    email: str = Field("", max_length=TEXT, description="Correo (obligatorio): allí le llega la invitación.")
    mobile: str = Field("", max_length=TEXT, description="Celular, 9 dígitos que empiezan con 9.")
    programme: str = Field("", max_length=TEXT, description="Programa de estudios, por su nombre (obligatorio).")
    modules: list[str] = Field([], max_length=60, description="Módulos del programa, por su nombre.")
    status: str = Field("", max_length=TEXT, description="estudiante, egresado o titulado (obligatorio).")
    graduation_date: str = Field("", max_length=TEXT, description="Fecha de egreso, aaaa-mm-dd o dd/mm/aaaa "
                                 "(obligatoria para egresados y titulados).")
    department: str = Field("", max_length=TEXT, description="Departamento, por su nombre.")
    province: str = Field("", max_length=TEXT, description="Provincia, por su nombre.")


class SyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    students: list[StudentIn] = Field(min_length=1, max_length=MAX_STUDENTS)


class SyncHeaders(BaseModel):
    idempotency_key: str | None = Field(None, alias="Idempotency-Key", pattern=r"^[!-~]{1,200}$",
                                        description="Un valor único por lote (p. ej. un UUID): repetir la "
                                                    "llamada con la misma clave no vuelve a escribir.")


class FieldError(BaseModel):
    field: str
    reason: str


class RowOut(BaseModel):
    row: int = Field(description="Posición del estudiante en `students`, desde 1.")
    dni: str
    result: str = Field(description="created, updated, unchanged o refused.")
    student_id: int | None
    errors: list[FieldError] = Field(description="Si fue rechazado: cada dato y por qué.")
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


def _row(student: StudentIn) -> dict:
    values = student.model_dump()
    values["modules"] = "; ".join(name.strip() for name in student.modules if name.strip())
    return values


@bp.route("/students", methods=["POST"])
@spec.validate(**REQUEST,
               resp=Answers(HTTP_200=SyncOut, HTTP_401=Problem, HTTP_403=Problem, HTTP_409=Problem,
                            HTTP_413=Problem, HTTP_422=Problem, HTTP_429=Problem),
               tags=["estudiantes"], security=[{"token": ["roster:write"]}], operation_id="syncStudents")
@requires("roster:write")
def sync_students():
    """Sincronizar estudiantes

    Crea o actualiza hasta 500 estudiantes del CETPRO del token, identificados por su DNI, con
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
