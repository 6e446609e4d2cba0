"""Constraints the database itself enforces."""
import pytest
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Application, Opening
from tests import factories


def test_second_application_to_same_opening_is_refused_by_the_database(app):
    opening = factories.opening()
    student = factories.student()
    factories.application(opening, student)
    db.session.add(Application(opening_id=opening.id, student_id=student.student.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_unknown_state_is_refused_by_a_check_constraint(app):
    opening = factories.opening()
    db.session.execute(db.update(Opening).where(Opening.id == opening.id).values(state="draft"))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(db.update(Opening).where(Opening.id == opening.id).values(state="archivada"))
        db.session.commit()
    db.session.rollback()


def test_graduate_without_graduation_date_is_refused(app):
    with pytest.raises(IntegrityError):
        factories.student(status="egresado", graduation_date=None)
    db.session.rollback()
