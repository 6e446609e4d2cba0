"""Roster fixtures: two CETPROs with a coordinator each (upload builders: `tests.helpers.roster`)."""
from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def world(app):
    own = factories.cetpro(name="CETPRO Arequipa")
    other = factories.cetpro(name="CETPRO Cusco", department="08", province="0801")
    return {
        "cetpro": own,
        "other": other,
        "coordinator": factories.coordinator(own, email="coord@arequipa.pe"),
        "other_coordinator": factories.coordinator(other, email="coord@cusco.pe"),
    }
