"""Placements test data: a CETPRO with a coordinator and a graduate, and another CETPRO."""
from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def world(app):
    cetpro = factories.cetpro(name="CETPRO Arequipa")
    other_cetpro = factories.cetpro(name="CETPRO Cusco")
    return {
        "cetpro": cetpro,
        "coordinator": factories.coordinator(cetpro),
        "student": factories.named(factories.student(cetpro), "Rosa", "Quispe Mamani"),
        "other_cetpro": other_cetpro,
        "other_coordinator": factories.coordinator(other_cetpro),
        "other_student": factories.named(factories.student(other_cetpro), "Luis", "Huamán"),
    }
