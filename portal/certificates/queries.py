"""Certificates: the reads. A coordinator's are scoped to her CETPRO's students
(`access.students_of`); the public verification reads one certificate by its code."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.access import students_of
from portal.extensions import db
from portal.models import Certificate, Cetpro, Module, StudentProfile, User


def student_of(user: User, student_id: int) -> StudentProfile | None:
    """One of the coordinator's CETPRO students; None for anyone else's."""
    if user.role != "coordinator":
        return None
    return db.session.scalar(select(StudentProfile).where(StudentProfile.id == student_id,
                                                          students_of(user.cetpro_id)))


def of_student(student_id: int) -> list[Certificate]:
    """Every certificate of a student (revoked ones too), newest issue first."""
    return list(db.session.scalars(
        select(Certificate).where(Certificate.student_id == student_id)
        .options(joinedload(Certificate.module), joinedload(Certificate.cetpro))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())))


def certificate_of(user: User, certificate_id: int) -> Certificate | None:
    """A certificate of the coordinator's CETPRO, of a student she sees; None otherwise."""
    if user.role != "coordinator":
        return None
    return db.session.scalar(
        select(Certificate).join(StudentProfile, StudentProfile.id == Certificate.student_id)
        .where(Certificate.id == certificate_id, Certificate.cetpro_id == user.cetpro_id,
               students_of(user.cetpro_id)))


def by_code(code: str) -> Certificate | None:
    """The certificate a public code names (one indexed lookup, whatever the code). A holder
    who erased her account is no longer shown to anyone: her certificates answer as unknown
    codes do (the rows stay for the seguimiento's counts, as her profile's programme does)."""
    return db.session.scalar(
        select(Certificate).join(StudentProfile, StudentProfile.id == Certificate.student_id)
        .join(User, User.id == StudentProfile.user_id)
        .where(Certificate.code == code, User.deleted_at.is_(None))
        .options(joinedload(Certificate.student).joinedload(StudentProfile.user),
                 joinedload(Certificate.module).joinedload(Module.programme), joinedload(Certificate.cetpro)))


def module_choices(profile: StudentProfile) -> list[tuple[int, str]]:
    """The modules of the student's programme (live ones), in the programme's order."""
    rows = db.session.execute(select(Module.id, Module.name).where(
        Module.programme_id == profile.programme_id, Module.retired_at.is_(None))
        .order_by(Module.position, Module.id))
    return [(row.id, row.name) for row in rows]


# --- Certified or declared, wherever a module is shown -------------------------------------


class Held(NamedTuple):
    """One certificate as the pages that show what backs a student's modules read it
    (`by_student`): its columns, and its CETPRO's and module's names. Plain values: a page
    of twenty students reads some sixty, which as ORM objects with their CETPRO and module
    cost more than the rest of reading them."""

    id: int
    code: str
    number: str
    student_id: int
    module_id: int
    state: str
    issued_on: date
    revoked_at: datetime | None
    cetpro_name: str
    module_name: str
    module_position: int

    @property
    def in_force(self) -> bool:
        return self.state == "vigente"


# Built once, the ids bound at execution (building it cost ~0.2 ms a request, 2026-12-04). The
# CETPRO's name is looked up row by row (a primary-key probe each): joined, PostgreSQL hashed all
# 1,500 CETPROs of the 5x set for twenty students' forty certificates (0.6 of 0.8 ms). The 242
# modules, three pages, are hashed in 0.1 ms.
_OF_STUDENTS = (select(Certificate.id, Certificate.code, Certificate.number, Certificate.student_id,
                       Certificate.module_id, Certificate.state, Certificate.issued_on, Certificate.revoked_at,
                       select(Cetpro.name).where(Cetpro.id == Certificate.cetpro_id).scalar_subquery(),
                       Module.name, Module.position)
                .join(Module, Module.id == Certificate.module_id)
                .where(Certificate.student_id.in_(bindparam("student_ids", expanding=True)))
                .order_by(Certificate.issued_on, Certificate.id))


def by_student(student_ids: Iterable[int]) -> dict[int, dict[int, Held]]:
    """{student id: {module id: certificate}} — the one in force where there is one, else the
    newest revoked one (shown as revoked: it certifies nothing)."""
    ids = sorted(set(student_ids))
    found: dict[int, dict[int, Held]] = defaultdict(dict)
    if not ids:
        return found
    for row in db.session.connection().execute(_OF_STUDENTS, {"student_ids": ids}):
        row = Held(*row)
        held = found[row.student_id].get(row.module_id)
        if held is None or row.in_force or not held.in_force:
            found[row.student_id][row.module_id] = row
    return found


def certified_module_ids(student_id: int) -> set[int]:
    """The modules a student holds a certificate in force for."""
    return set(db.session.scalars(select(Certificate.module_id).where(
        Certificate.student_id == student_id, Certificate.state == "vigente")))
