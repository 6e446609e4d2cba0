"""Fixtures for the student's profile and CV."""
import pytest

from portal.extensions import db
from tests import factories


@pytest.fixture
def cetpro(app):
    return factories.cetpro("CETPRO Santa Rosa")


@pytest.fixture
def student(cetpro):
    """A current student, still pending verification, whose profile lacks everything optional."""
    user = factories.student(cetpro, status="estudiante", modules=0, verified=False, open_to_offers=False)
    user.first_names, user.last_names = "Rosa", "Quispe Mamani"
    db.session.commit()
    return user
