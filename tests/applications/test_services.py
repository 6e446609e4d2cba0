"""Applying, withdrawing, moving, hiring and nudging."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.applications import services
from portal.applications.eligibility import add_months, legal_obstacle
from portal.extensions import db
from portal.models import Application, Notification, OutboxEmail, Placement
from portal.placements import services as placements
from tests import factories


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_apply_creates_one_application_and_tells_the_employer(app):
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company)
    student = factories.student()
    application, created = services.apply(student.student, opening, "Tengo experiencia en obra.")
    assert created and application.state == "received"
    assert count(Notification, Notification.user_id == employer.id) == 1
    assert count(OutboxEmail, OutboxEmail.to_address == employer.email) == 1


def test_applying_twice_gives_the_same_application(app):
    opening = factories.opening()
    student = factories.student()
    first, created = services.apply(student.student, opening)
    again, created_again = services.apply(student.student, opening)
    assert created and not created_again and first.id == again.id
    assert count(Application) == 1


@pytest.mark.parametrize("state", ["closed", "filled", "suspended", "expired", "draft"])
def test_applying_to_an_opening_that_is_not_published_is_refused_with_its_reason(app, state):
    opening = factories.opening(state=state, state_reason="Denuncia confirmada" if state == "suspended" else None)
    with pytest.raises(services.ApplicationError) as error:
        services.apply(factories.student().student, opening)
    assert "Ya no recibe postulaciones" in str(error.value)
    assert count(Application) == 0


def test_applying_after_the_deadline_is_refused(app):
    opening = factories.opening(deadline=clock.today() - timedelta(days=1))
    with pytest.raises(services.ApplicationError, match="venció"):
        services.apply(factories.student().student, opening)


def test_preprofesionales_need_a_current_student(app):
    opening = factories.opening(kind="practicas_preprofesionales", hours_per_day=6, hours_per_week=30, pay_monthly=1130)
    with pytest.raises(services.ApplicationError, match="solo para quienes estudian"):
        services.apply(factories.student(status="egresado").student, opening)
    application, _ = services.apply(factories.student(status="estudiante").student, opening)
    assert application.state == "received"


@pytest.mark.parametrize(
    "graduated, today, ok",
    [
        (date(2025, 11, 26), date(2026, 11, 26), True),   # exactly 12 months
        (date(2025, 11, 26), date(2026, 11, 27), False),  # one day late
        (date(2025, 1, 31), date(2026, 1, 31), True),
        (date(2024, 2, 29), date(2025, 2, 28), True),     # leap day: the window ends on 28 Feb
        (date(2024, 2, 29), date(2025, 3, 1), False),
    ],
)
def test_profesionales_window_is_twelve_months_from_graduation(graduated, today, ok):
    assert (legal_obstacle("practicas_profesionales", "egresado", graduated, today) is None) == ok


def test_profesionales_refuse_current_students():
    assert "aún estudias" in legal_obstacle("practicas_profesionales", "estudiante", None)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_concurrent_applies_make_one_row(app):
    opening = factories.opening()
    profile_id = factories.student().student.id
    opening_id = opening.id

    def attempt(_):
        with app.app_context():
            from portal.models import Opening, StudentProfile
            result, _created = services.apply(db.session.get(StudentProfile, profile_id), db.session.get(Opening, opening_id))
            return result.id

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(attempt, range(8)))
    assert len(ids) == 1 and count(Application) == 1


def test_employer_moves_and_student_is_told_each_time(app):
    opening = factories.opening()
    student = factories.student()
    application = factories.application(opening, student)
    actor = factories.admin()
    assert services.mark_viewed(application) and application.state == "viewed"
    assert not services.mark_viewed(application)  # only once
    placements.move(actor, application, services.Move("in_review", application.version))
    placements.move(actor, application, services.Move("finalist", application.version))
    assert application.state == "finalist"
    assert count(Notification, Notification.user_id == student.id) == 3
    assert count(OutboxEmail, OutboxEmail.to_address == student.email) == 3


def test_illegal_move_is_refused_and_changes_nothing(app):
    application = factories.application(factories.opening(), factories.student())
    with pytest.raises(services.IllegalTransition):
        placements.move(factories.admin(), application, services.Move("hired", application.version))
    assert application.state == "received"


def test_stale_move_is_refused_with_the_current_state(app):
    application = factories.application(factories.opening(), factories.student())
    seen_version = application.version
    placements.move(factories.admin(), application, services.Move("in_review", seen_version))
    with pytest.raises(services.StaleApplication) as error:
        placements.move(factories.admin(), application, services.Move("rejected", seen_version, "schedule"))
    assert "En evaluación" in str(error.value)
    assert application.state == "in_review"


def test_reject_needs_a_reason_from_the_list(app):
    application = factories.application(factories.opening(), factories.student())
    with pytest.raises(services.ApplicationError, match="motivo"):
        placements.move(factories.admin(), application, services.Move("rejected", None, "porque sí"))
    placements.move(factories.admin(), application, services.Move("rejected", None, "schedule", "Buscamos turno noche"))
    assert (application.rejection_reason, application.rejection_note) == ("schedule", "Buscamos turno noche")


def test_hiring_creates_the_placement_with_its_start_date(app):
    opening = factories.opening(title="Electricista")
    application = factories.application(opening, factories.student(), "finalist")
    with pytest.raises(services.ApplicationError, match="fecha de inicio"):
        placements.move(factories.admin(), application, services.Move("hired", None))
    start = clock.today() + timedelta(days=7)
    placements.move(factories.admin(), application, services.Move("hired", None, start_date=start))
    placement = db.session.scalar(select(Placement))
    assert (placement.application_id, placement.source, placement.start_date, placement.job_title) == (
        application.id, "portal", start, "Electricista")
    assert placement.cetpro_id == application.student.cetpro_id


def test_a_hire_and_its_placement_are_one_write(app, monkeypatch):
    """A hire that turns out stale writes no placement; a placement that cannot be written
    undoes the hire and its notice too."""
    employer = factories.admin()
    application = factories.application(factories.opening(), factories.student(), "finalist")
    db.session.commit()
    assert application.state == "finalist"  # what this request read
    with db.engine.begin() as other:  # meanwhile another request rejects the applicant
        other.execute(update(Application).where(Application.id == application.id)
                      .values(state="rejected", rejection_reason="schedule", version=Application.version + 1))
    with pytest.raises(services.StaleApplication):
        placements.move(employer, application, services.Move("hired", None, start_date=clock.today()))
    assert count(Placement) == 0 and application.state == "rejected"

    application = factories.application(factories.opening(), factories.student(), "finalist")
    db.session.commit()
    real_hire = placements._hire

    def unwritable_hire(*args):
        placement = real_hire(*args)
        placement.job_title = None  # NOT NULL: the insert fails at commit
        return placement

    monkeypatch.setattr(placements, "_hire", unwritable_hire)
    told = count(Notification)
    with pytest.raises(IntegrityError):
        placements.move(employer, application, services.Move("hired", application.version, start_date=clock.today()))
    db.session.rollback()
    db.session.refresh(application)
    assert application.state == "finalist" and count(Placement) == 0 and count(Notification) == told


def test_withdraw_until_the_employer_decides(app):
    student = factories.student()
    application = factories.application(factories.opening(), student, "finalist")
    services.withdraw(student.student, application)
    assert application.state == "withdrawn"
    decided = factories.application(factories.opening(), student, "hired")
    with pytest.raises(services.IllegalTransition):
        services.withdraw(student.student, decided)


def test_bulk_move_checks_each_one(app):
    opening = factories.opening()
    a = factories.application(opening, factories.student(), "received")
    b = factories.application(opening, factories.student(), "hired")
    moved, refused = placements.move_many(factories.admin(), opening, [a.id, b.id], services.Move("in_review"))
    assert [x.id for x in moved] == [a.id] and [x.id for x, _ in refused] == [b.id]


def test_nudge_tells_employers_once_about_old_unanswered_applications(app):
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company)
    old = factories.application(opening, factories.student(), "received")
    old.created_at = clock.utcnow() - timedelta(days=8)
    recent = factories.application(opening, factories.student(), "received")
    answered = factories.application(opening, factories.student(), "in_review")
    answered.created_at = clock.utcnow() - timedelta(days=30)
    db.session.commit()
    assert services.nudge() == 1
    assert services.nudge() == 0
    assert count(Notification, Notification.user_id == employer.id, Notification.kind == "applications-waiting") == 1
    db.session.refresh(recent)
    assert recent.nudged_at is None
