"""Fixtures for the interviews' tests: a frozen Lima clock, an employer member and an
applicant in review for one of its openings."""
from dataclasses import dataclass
from datetime import datetime

import pytest

from portal.models import Application, User
from tests import factories
from tests.helpers.smtp import smtp_inbox

# A Friday morning in Lima; the slots below are the next Monday's.
FRIDAY = datetime(2026, 12, 4, 9, 0)


@dataclass
class Cast:
    employer: User
    student: User
    application: Application


@pytest.fixture
def cast(app, frozen_clock) -> Cast:
    frozen_clock(FRIDAY)
    company = factories.company(legal_name="Talleres Andinos S.A.C.")
    employer = factories.named(factories.employer(company), "Lucía", "Quispe")
    student = factories.named(factories.student(), "Rosa", "Huamán")
    opening = factories.opening(company, title="Electricista de planta")
    return Cast(employer, student, factories.application(opening, student, state="in_review"))


@pytest.fixture
def smtp_server(app):
    with smtp_inbox(app) as inbox:
        yield inbox
