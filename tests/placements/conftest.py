"""Placements test data: a CETPRO with a coordinator and a graduate, and another CETPRO."""
from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import Placement, User
from tests import factories


def add_placement(student: User, start: date, kind: str = "empleo", source: str = "manual",
                  employer_name: str = "Taller Eléctrico Misti", job_title: str = "Electricista", **fields) -> Placement:
    profile = student.student
    row = Placement(student_id=profile.id, cetpro_id=profile.cetpro_id, employer_name=employer_name,
                    job_title=job_title, kind=kind, source=source, start_date=start, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def named(user: User, first_names: str, last_names: str) -> User:
    user.first_names, user.last_names = first_names, last_names
    db.session.commit()
    return user


@pytest.fixture
def world(app):
    cetpro = factories.cetpro(name="CETPRO Arequipa")
    other_cetpro = factories.cetpro(name="CETPRO Cusco")
    return {
        "cetpro": cetpro,
        "coordinator": factories.coordinator(cetpro),
        "student": named(factories.student(cetpro), "Rosa", "Quispe Mamani"),
        "other_cetpro": other_cetpro,
        "other_coordinator": factories.coordinator(other_cetpro),
        "other_student": named(factories.student(other_cetpro), "Luis", "Huamán"),
    }
