"""GET /api/v1/placements (placements:read): the CETPRO's placements with their follow-ups
at 3, 6 and 12 months, for its own records and its MINEDU reports."""
from __future__ import annotations

from datetime import date, datetime

from flask import g, request
from pydantic import BaseModel, Field
from spectree import Response as Answers
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import vocab
from portal.api import bp
from portal.api.auth import cetpro_id, requires
from portal.api.paging import ListQuery, after, next_cursor
from portal.api.spec import Problem, spec
from portal.extensions import db
from portal.models import Placement, StudentProfile


class FollowUpOut(BaseModel):
    months: int = Field(description="3, 6 o 12 meses después del inicio.")
    due_date: date
    answer: str | None = Field(description="null: aún sin respuesta. " + ", ".join(vocab.FOLLOW_UP_ANSWERS))
    outcome: str | None
    current_employer: str | None
    answered_at: datetime | None


class PlacementStudent(BaseModel):
    id: int
    document_type: str
    document_number: str
    name: str


class PlacementOut(BaseModel):
    id: int
    student: PlacementStudent
    employer_name: str
    employer_ruc: str | None
    job_title: str
    kind: str = Field(description="Tipo: " + ", ".join(vocab.OPENING_KINDS))
    outcome: str = Field(description="Categoría registrada: " + ", ".join(vocab.PLACEMENT_OUTCOMES))
    current_outcome: str = Field(description="La categoría según el último seguimiento respondido.")
    source: str = Field(description="portal (de una postulación) o manual (registrada por la coordinación).")
    start_date: date
    end_date: date | None
    pay_min: float | None
    pay_max: float | None
    follow_ups: list[FollowUpOut]


class PlacementsPage(BaseModel):
    items: list[PlacementOut]
    next_cursor: str | None = Field(description="Pásalo como `cursor` para la página siguiente; null: no hay más.")


def _money(value) -> float | None:
    return float(value) if value is not None else None


@bp.route("/placements")
@spec.validate(query=ListQuery, resp=Answers(HTTP_200=PlacementsPage, HTTP_401=Problem, HTTP_403=Problem,
                                             HTTP_422=Problem, HTTP_429=Problem),
               tags=["colocaciones"], security=[{"token": ["placements:read"]}], operation_id="listPlacements")
@requires("placements:read")
def list_placements():
    """Colocaciones del CETPRO

    Las colocaciones del CETPRO del token (de postulaciones del portal o registradas a mano),
    por orden de id, cada una con sus seguimientos. Páginas con `limit` y `cursor`.
    """
    query: ListQuery = request.context.query
    start, own = after(query.cursor), cetpro_id()
    placements = db.session.scalars(
        select(Placement).where(Placement.cetpro_id == own, Placement.id > start)
        .options(selectinload(Placement.follow_ups),
                 selectinload(Placement.student).selectinload(StudentProfile.user))
        .order_by(Placement.id).limit(query.limit + 1)).all()
    fetched = len(placements)
    placements = placements[:query.limit]
    g.api_audit = {"count": len(placements)}
    return PlacementsPage(items=[PlacementOut(
        id=p.id, student=PlacementStudent(id=p.student.id, document_type=p.student.document_type,
                                          document_number=p.student.document_number, name=p.student.user.full_name),
        employer_name=p.employer_display_name, employer_ruc=p.employer_ruc, job_title=p.job_title, kind=p.kind,
        outcome=p.outcome, current_outcome=p.current_outcome, source=p.source, start_date=p.start_date,
        end_date=p.end_date, pay_min=_money(p.pay_min), pay_max=_money(p.pay_max),
        follow_ups=[FollowUpOut(months=f.months, due_date=f.due_date, answer=f.answer, outcome=f.outcome,
                                current_employer=f.current_employer, answered_at=f.answered_at)
                    for f in p.follow_ups])
        for p in placements], next_cursor=next_cursor([p.id for p in placements], query.limit, fetched))
