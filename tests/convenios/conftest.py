"""Convenios test data: two CETPROs with coordinators, two companies with employers."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import Cetpro, Company, Convenio
from tests import factories


def add_convenio(cetpro: Cetpro, company: Company, state: str = "proposed", proposed_by: str = "company",
                 start: date | None = None, end: date | None = None, kind: str = "practicas", **fields) -> Convenio:
    today = clock.today()
    row = Convenio(cetpro_id=cetpro.id, company_id=company.id, kind=kind, state=state, proposed_by=proposed_by,
                   start_date=start or today - timedelta(days=10), end_date=end or today + timedelta(days=355),
                   **fields)
    db.session.add(row)
    db.session.commit()
    return row


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
