"""Webhooks test data: two CETPROs (ours teaches Electricidad), each with a coordinator, a
graduate; and a real HTTP receiver on 127.0.0.1 (tests/helpers/webhooks.py)."""
from __future__ import annotations

import pytest

from portal.extensions import db
from tests import factories
from tests.helpers.webhooks import Receiver


@pytest.fixture
def world(app):
    cetpro = factories.cetpro(name="CETPRO Arequipa")
    cetpro.programmes = [factories.programme()]
    other = factories.cetpro(name="CETPRO Cusco")
    db.session.commit()
    coordinator = factories.coordinator(cetpro)
    other_coordinator = factories.coordinator(other)
    return {
        "cetpro": cetpro, "coordinator": coordinator,
        "student": factories.named(factories.student(cetpro), "Rosa", "Quispe Mamani"),
        "other_cetpro": other, "other_coordinator": other_coordinator,
        "other_student": factories.named(factories.student(other), "Luis", "Huamán"),
    }


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running
