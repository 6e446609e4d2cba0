"""Convenios test data: two CETPROs with coordinators, two companies with employers."""
from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def world(app):
    cetpro = factories.cetpro(name="CETPRO Arequipa")
    company = factories.company(ruc="20100070970", legal_name="Electro Sur S.A.C.", verified=False)
    other_cetpro = factories.cetpro(name="CETPRO Cusco")
    other_company = factories.company(ruc="20512333797", legal_name="Metal Andina S.A.")
    return {
        "cetpro": cetpro,
        "coordinator": factories.coordinator(cetpro),
        "second_coordinator": factories.coordinator(cetpro),
        "company": company,
        "employer": factories.employer(company),
        "other_cetpro": other_cetpro,
        "other_coordinator": factories.coordinator(other_cetpro),
        "other_company": other_company,
        "other_employer": factories.employer(other_company),
    }
