"""Opening services: drafts, publication rules, closing cascades, duplication (RMV by date: test_rmv.py)."""
from datetime import timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Notification, Opening, OutboxEmail
from portal.openings import services
from tests import factories


def data(**changes) -> services.OpeningData:
    programme = factories.programme()
    base = dict(
        title="Practicante de electricidad", description="Apoyo en instalaciones.",
        kind="practicas_preprofesionales", family_id=programme.family_id, work_mode="presencial",
        vacancies=2, department_code="04", province_code="0401", district_code="040101",
        hours_per_day=D(6), hours_per_week=D(30), pay_monthly=D("1130"),
        start_date=clock.today() + timedelta(days=30), deadline=clock.today() + timedelta(days=10),
        programme_ids=[programme.id], required_module_ids=[programme.modules[0].id],
        desired_module_ids=[programme.modules[1].id], required_skills=["Trabajo en altura"],
    )
    base.update(changes)
    return services.OpeningData(**base)


def test_create_draft_with_requirements(app):
    company = factories.company()
    employer = factories.employer(company)
    opening = services.create_draft(company, employer, data())
    assert opening.state == "draft"
    required = [r.label for r in opening.requirements if r.required]
    assert "Trabajo en altura" in required and len(required) == 2
    assert [r.skill_normalized for r in opening.requirements if r.skill] == ["trabajo en altura"]


def test_unlawful_draft_is_refused_and_nothing_saved(app):
    company = factories.company()
    with pytest.raises(services.OpeningError) as error:
        services.create_draft(company, factories.employer(company), data(hours_per_day=D(7), pay_monthly=None))
    assert set(error.value.problems) == {"hours_per_day", "pay_monthly"}
    assert db.session.scalar(select(Opening)) is None


def test_deadline_in_the_past_is_refused(app):
    company = factories.company()
    with pytest.raises(services.OpeningError) as error:
        services.create_draft(company, factories.employer(company), data(deadline=clock.today() - timedelta(days=1)))
    assert "ya pasó" in error.value.problems["deadline"][0]


def test_unverified_company_cannot_publish(app):
    company = factories.company(verified=False)
    employer = factories.employer(company)
    opening = services.create_draft(company, employer, data())
    with pytest.raises(services.OpeningError, match="no está verificada"):
        services.publish(opening, employer)
    assert opening.state == "draft"


def test_verified_company_publishes(app):
    company = factories.company()
    employer = factories.employer(company)
    opening = services.publish(services.create_draft(company, employer, data()), employer)
    assert opening.state == "published" and opening.published_at is not None


def test_only_allowed_transitions(app):
    opening = factories.opening(state="closed")
    with pytest.raises(services.OpeningError, match="cerrada"):
        services.publish(opening, factories.admin())
    with pytest.raises(services.OpeningError):
        services.finish(factories.opening(state="draft"), factories.admin(), "close")


@pytest.mark.parametrize("action, state", [("close", "closed"), ("fill", "filled")])
def test_closing_or_filling_ends_every_open_application_and_tells_the_student(app, action, state):
    opening = factories.opening()
    waiting = [factories.application(opening, factories.student(), s) for s in ("received", "viewed", "finalist")]
    hired = factories.application(opening, factories.student(), "hired")
    withdrawn = factories.application(opening, factories.student(), "withdrawn")
    told = services.finish(opening, factories.admin(), action)
    assert told == 3 and opening.state == state
    for application in waiting:
        db.session.refresh(application)
        assert (application.state, application.rejection_reason) == ("rejected", "process_finished")
    db.session.refresh(hired)
    db.session.refresh(withdrawn)
    assert hired.state == "hired" and withdrawn.state == "withdrawn"
    assert len(db.session.scalars(select(Notification).where(Notification.kind == "application-finished")).all()) == 3
    assert len(db.session.scalars(select(OutboxEmail)).all()) == 3


def test_stale_edit_is_refused(app):
    company = factories.company()
    employer = factories.employer(company)
    opening = services.create_draft(company, employer, data())
    old_version = opening.version
    services.update_opening(opening, employer, data(title="Primera edición"), old_version)
    with pytest.raises(services.StaleOpening):
        services.update_opening(opening, employer, data(title="Edición vieja"), old_version)
    assert opening.title == "Primera edición"


def test_duplicate_is_a_new_draft_without_dates(app):
    opening = factories.opening()
    copy = services.duplicate(opening, factories.admin())
    assert copy.id != opening.id and copy.state == "draft"
    assert copy.title.endswith("(copia)") and copy.deadline is None
    assert {r.module_id for r in copy.requirements} == {r.module_id for r in opening.requirements}
