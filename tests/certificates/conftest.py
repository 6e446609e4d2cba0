"""Certificates test data: a CETPRO with a coordinator and a graduate, and another CETPRO."""
from __future__ import annotations

from datetime import date

import pytest

from portal.certificates import services
from portal.extensions import db
from tests import factories


@pytest.fixture
def world(app):
    cetpro = factories.cetpro(name="CETPRO Arequipa")
    other_cetpro = factories.cetpro(name="CETPRO Cusco")
    student = factories.named(factories.student(cetpro, document_number="71234598", birth_date=date(2001, 5, 17),
                                                district_code="040103"), "Rosa", "Quispe Mamani")
    student.phone, student.email = "987123456", "rosa.quispe@example.pe"
    db.session.commit()
    return {
        "cetpro": cetpro,
        "coordinator": factories.coordinator(cetpro),
        "student": student,
        "modules": list(student.student.programme.modules),
        "other_cetpro": other_cetpro,
        "other_coordinator": factories.coordinator(other_cetpro),
        "other_student": factories.named(factories.student(other_cetpro), "Luis", "Huamán"),
    }


@pytest.fixture
def certify(world):
    """Record a certificate for the world's student (module index, number)."""

    def make(module: int = 0, number: str = "0123-2026", student=None, coordinator=None, issued_on=None):
        student = student or world["student"]
        module_row = student.student.programme.modules[module]
        return services.record(coordinator or world["coordinator"], student.student.id,
                               services.CertificateData(module_row.id, number, issued_on or date(2026, 7, 15)))

    return make
