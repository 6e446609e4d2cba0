"""Fixtures for the interviews' tests: a frozen Lima clock, an employer member and an
applicant in review for one of its openings."""
from dataclasses import dataclass
from datetime import datetime

import pytest

from portal.interviews import services
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


def slots(*times: tuple[str, str, str]) -> list[services.SlotInput]:
    return [services.SlotInput(*t) for t in times]


MONDAY_SLOTS = (("2026-12-07", "10:00", "10:30"), ("2026-12-07", "15:00", "15:30"), ("2026-12-08", "09:00", "09:45"))


def proposal(*times, mode="direccion", place="Av. Los Incas 123, Arequipa", note="Trae tu DNI.") -> services.Proposal:
    return services.Proposal(mode, place, note, slots(*(times or MONDAY_SLOTS)))
