"""GET /api/v1/students (roster:read): the CETPRO's students as its coordinators see them
(`access.students_of`), each with the states of her applications."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from flask import g, request
from pydantic import BaseModel, Field
from spectree import Response as Answers
from sqlalchemy import select

from portal import vocab
from portal.access import students_of
from portal.api import bp
from portal.api.auth import cetpro_id, requires
from portal.api.paging import ListQuery, after, next_cursor
from portal.api.spec import Problem, spec
from portal.extensions import db
from portal.models import Application, Company, Module, Opening, Programme, StudentProfile, User, student_modules


class ApplicationOut(BaseModel):
    id: int
    opening_id: int
    opening_title: str
    company: str
    state: str = Field(description="Código del estado: " + ", ".join(vocab.APPLICATION_STATES))
    state_label: str
    applied_at: datetime
    state_changed_at: datetime


class StudentOut(BaseModel):
    id: int
    document_type: str = Field(description="dni o ce (carné de extranjería).")
    document_number: str
    first_names: str
    last_names: str
    email: str
    mobile: str | None
    programme: str
    level: str
    status: str = Field(description="estudiante, egresado o titulado.")
    graduation_date: date | None
    verification_state: str
    department_code: str | None
    province_code: str | None
    modules: list[str] = Field(description="Los módulos que tiene marcados (declarados o importados).")
    applications: list[ApplicationOut]


class StudentsPage(BaseModel):
    items: list[StudentOut]
    next_cursor: str | None = Field(description="Pásalo como `cursor` para la página siguiente; null: no hay más.")


def _company_name():
    return db.func.coalesce(Company.trade_name, Company.legal_name)


@bp.route("/students")
@spec.validate(query=ListQuery, resp=Answers(HTTP_200=StudentsPage, HTTP_401=Problem, HTTP_403=Problem,
                                             HTTP_422=Problem, HTTP_429=Problem),
               tags=["estudiantes"], security=[{"token": ["roster:read"]}], operation_id="listStudents")
@requires("roster:read")
def list_students():
    """Estudiantes del CETPRO

    Los estudiantes del CETPRO del token (los mismos que ve su coordinación: con el correo
    confirmado), por orden de id, con el estado de cada una de sus postulaciones. Páginas con
    `limit` y `cursor`.
    """
    query: ListQuery = request.context.query
    start, own = after(query.cursor), cetpro_id()
    rows = db.session.execute(
        select(StudentProfile, User, Programme.name)
        .join(User, User.id == StudentProfile.user_id).join(Programme, Programme.id == StudentProfile.programme_id)
        .where(students_of(own), StudentProfile.id > start)
        .order_by(StudentProfile.id).limit(query.limit + 1)).all()
    fetched = len(rows)
    rows = rows[:query.limit]
    ids = [profile.id for profile, _, _ in rows]
    modules: dict[int, list[str]] = defaultdict(list)
    applications: dict[int, list[ApplicationOut]] = defaultdict(list)
    if ids:
        for student_id, name in db.session.execute(
                select(student_modules.c.student_id, Module.name).join(Module, Module.id == student_modules.c.module_id)
                .where(student_modules.c.student_id.in_(ids)).order_by(Module.position, Module.id)):
            modules[student_id].append(name)
        for application, title, company in db.session.execute(
                select(Application, Opening.title, _company_name())
                .join(Opening, Opening.id == Application.opening_id).join(Company, Company.id == Opening.company_id)
                .where(Application.student_id.in_(ids)).order_by(Application.id)):
            applications[application.student_id].append(ApplicationOut(
                id=application.id, opening_id=application.opening_id, opening_title=title, company=company,
                state=application.state, state_label=vocab.APPLICATION_STATES.get(application.state, application.state),
                applied_at=application.created_at, state_changed_at=application.state_changed_at))
    g.api_audit = {"count": len(rows)}
    return StudentsPage(items=[StudentOut(
        id=profile.id, document_type=profile.document_type, document_number=profile.document_number,
        first_names=user.first_names, last_names=user.last_names, email=user.email, mobile=user.phone,
        programme=programme, level=profile.level, status=profile.status, graduation_date=profile.graduation_date,
        verification_state=profile.verification_state, department_code=profile.department_code,
        province_code=profile.province_code, modules=modules[profile.id], applications=applications[profile.id])
        for profile, user, programme in rows], next_cursor=next_cursor(ids, query.limit, fetched))
