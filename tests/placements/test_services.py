"""Placements and follow-ups without HTTP: recording, scheduling, answering, the checklist."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select
from werkzeug.datastructures import FileStorage

from portal import clock, uploads
from portal.extensions import db
from portal.models import FollowUp, Notification, OutboxEmail, Placement, StoredFile
from portal.placements import rules, services
from tests import factories
from tests.helpers.files import minimal_pdf


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def data(world, **changes) -> services.PlacementData:
    values = dict(student_id=world["student"].student.id, employer_name="Ferretería El Misti E.I.R.L.",
                  employer_ruc="", job_title="Soldador de mantenimiento", kind="empleo",
                  start_date=clock.today() - timedelta(days=30), pay_min=Decimal("1200"), pay_max=Decimal("1500"))
    values.update(changes)
    return services.PlacementData(**values)


# --- Recording ---------------------------------------------------------------------------------


def test_record_a_manual_placement(world):
    placement, created = services.record_manual(world["coordinator"], data(world))
    assert created and placement.source == "manual" and placement.cetpro_id == world["cetpro"].id
    assert placement.recorded_by_id == world["coordinator"].id
    assert placement.department_code == world["student"].student.department_code
    assert placement.company_id is None and placement.employer_ruc is None


def test_the_same_placement_twice_is_recorded_once(world):
    first, _ = services.record_manual(world["coordinator"], data(world))
    again, created = services.record_manual(world["coordinator"], data(world, employer_name="ferretería el misti e.i.r.l."))
    assert not created and again.id == first.id and count(Placement) == 1


def test_a_start_date_in_the_future_is_refused(world):
    tomorrow = clock.today() + timedelta(days=1)
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, start_date=tomorrow))
    assert "está en el futuro" in error.value.errors["start_date"]
    assert count(Placement) == 0


def test_today_is_a_valid_start(world):
    placement, _ = services.record_manual(world["coordinator"], data(world, start_date=clock.today()))
    assert placement.start_date == clock.today()


def test_pay_range_must_be_ordered(world):
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, pay_min=Decimal("2000"), pay_max=Decimal("1500")))
    assert error.value.errors == {"pay_max": "El pago máximo no puede ser menor que el mínimo."}
    services.record_manual(world["coordinator"], data(world, pay_min=Decimal("1500"), pay_max=Decimal("1500")))
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, job_title="Otro", pay_min=Decimal("-5"), pay_max=None))
    assert "pay_min" in error.value.errors


def test_every_problem_is_reported_at_once(world):
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, student_id=0, employer_name="", job_title="",
                                                          kind="voluntariado", start_date=None))
    assert set(error.value.errors) == {"student_id", "employer_name", "job_title", "kind", "start_date"}


def test_ruc_is_checked_and_a_registered_company_is_linked(world):
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, employer_ruc="20100070971"))
    assert "dígito verificador" in error.value.errors["employer_ruc"]
    company = factories.company(ruc="20100070970", legal_name="Electro Sur S.A.C.")
    placement, _ = services.record_manual(world["coordinator"], data(world, employer_name="", employer_ruc="20100070970"))
    assert placement.company_id == company.id and placement.employer_name == "Electro Sur S.A.C."
    assert placement.employer_ruc == "20100070970"


def test_an_unknown_ruc_alone_is_not_enough(world):
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, employer_name="", employer_ruc="20512333797"))
    assert "nombre de la empresa" in error.value.errors["employer_name"]


def test_a_student_of_another_cetpro_cannot_be_chosen(world):
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, student_id=world["other_student"].student.id))
    assert "tu CETPRO" in error.value.errors["student_id"]


def test_evidence_is_stored_or_refused_without_leaving_a_file(app, world):
    pdf = FileStorage(io.BytesIO(minimal_pdf()), filename="contrato.pdf")
    placement, _ = services.record_manual(world["coordinator"], data(world), pdf)
    assert placement.evidence_path.startswith("evidence/")
    fake = FileStorage(io.BytesIO(b"<html>no soy un pdf</html>"), filename="contrato.pdf")
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, job_title="Otro puesto"), fake)
    assert "debe ser un PDF" in error.value.errors["evidence"]
    db.session.rollback()
    assert db.session.scalars(select(StoredFile.key)).all() == [placement.evidence_path]
    assert uploads.read_stored(placement.evidence_path) == minimal_pdf()


# --- Scheduling ---------------------------------------------------------------------------------


def test_follow_ups_fall_due_at_month_ends(world):
    placement = factories.placement(world["student"], date(2025, 1, 31))
    assert services.schedule_due(date(2025, 4, 29)) == (0, 0)
    assert services.schedule_due(date(2025, 4, 30)) == (1, 1)
    row = db.session.scalar(select(FollowUp))
    assert (row.placement_id, row.months, row.due_date) == (placement.id, 3, date(2025, 4, 30))
    assert row.emailed_at is not None
    assert services.schedule_due(date(2025, 4, 30)) == (0, 0)  # idempotent
    assert services.schedule_due(date(2025, 7, 30)) == (0, 0)
    assert services.schedule_due(date(2025, 7, 31)) == (1, 1)
    assert services.schedule_due(date(2026, 1, 31)) == (1, 1)
    assert sorted(db.session.scalars(select(FollowUp.due_date))) == [
        date(2025, 4, 30), date(2025, 7, 31), date(2026, 1, 31)]


def test_leap_day_start(world):
    factories.placement(world["student"], date(2024, 2, 29))
    assert services.schedule_due(date(2025, 2, 27))[0] == 2  # 3 and 6 months
    assert services.schedule_due(date(2025, 2, 28)) == (1, 1)  # 12 months: 28 Feb 2025
    assert db.session.scalar(select(FollowUp.due_date).where(FollowUp.months == 12)) == date(2025, 2, 28)


def test_a_late_recorded_placement_gets_every_row_but_one_email(world):
    on = date(2025, 9, 15)
    factories.placement(world["student"], date(2024, 8, 1))  # 12 months due 1 Aug 2025, within 60 days
    factories.placement(factories.student(world["cetpro"]), date(2022, 1, 10))  # long past: no email at all
    created, emailed = services.schedule_due(on)
    assert (created, emailed) == (6, 1)
    email = db.session.scalar(select(OutboxEmail))
    assert email.to_address == world["student"].email
    assert "Hace 12 meses empezaste a trabajar como Electricista en Taller Eléctrico Misti" in email.body_text
    assert "http://localhost/seguimiento/" in email.body_text
    assert count(Notification, Notification.kind == "follow-up") == 1


def test_an_inactive_account_is_not_emailed(world):
    world["student"].active = False
    db.session.commit()
    factories.placement(world["student"], date(2025, 1, 10))
    assert services.schedule_due(date(2025, 4, 20)) == (1, 0)
    assert count(OutboxEmail) == 0


def test_followups_due_command_is_idempotent(runner, world):
    factories.placement(world["student"], clock.today() - timedelta(days=100))
    factories.placement(world["other_student"], clock.today() - timedelta(days=10))
    first = runner.invoke(args=["followups", "due"])
    assert first.exit_code == 0, first.output
    assert "Seguimientos creados: 1. Correos en cola: 1." in first.output
    second = runner.invoke(args=["followups", "due"])
    assert "Seguimientos creados: 0. Correos en cola: 0." in second.output
    assert count(FollowUp) == 1 and count(OutboxEmail) == 1


def test_a_concurrent_run_that_got_there_first_is_not_duplicated(world, monkeypatch):
    """Another process commits the same follow-up between our read and our insert: the
    batch hits the unique constraint, starts again and skips it."""
    placement = factories.placement(world["student"], date(2025, 1, 31))
    original = rules.due_months
    raced = []

    def racing(start, on):
        if not raced:
            raced.append(True)
            with db.engine.begin() as other_process:
                other_process.execute(insert(FollowUp).values(
                    placement_id=placement.id, months=3, due_date=date(2025, 4, 30), created_at=datetime(2025, 4, 30)))
        return original(start, on)

    monkeypatch.setattr(rules, "due_months", racing)
    assert services.schedule_due(date(2025, 4, 30)) == (0, 0)
    assert raced and count(FollowUp) == 1


# --- Answering ---------------------------------------------------------------------------------


def due_follow_up(world, months=3) -> FollowUp:
    placement = factories.placement(world["student"], clock.today() - timedelta(days=100))
    row = FollowUp(placement_id=placement.id, months=months, due_date=rules.due_date(placement.start_date, months))
    db.session.add(row)
    db.session.commit()
    return row


def test_answer_once(world):
    row = due_follow_up(world)
    assert services.answer(row, "elsewhere", "  Minera   Cerro Verde ", None) is True
    assert (row.answer, row.current_employer) == ("elsewhere", "Minera Cerro Verde")
    assert row.answered_by_id == world["student"].id and row.answered_at is not None
    assert services.answer(row, "not_working", None, world["coordinator"]) is False
    assert (row.answer, row.answered_by_id) == ("elsewhere", world["student"].id)


def test_still_there_names_the_placement_employer(world):
    row = due_follow_up(world)
    services.answer(row, "still_there", "ignored", world["coordinator"])
    assert row.current_employer == "Taller Eléctrico Misti" and row.answered_by_id == world["coordinator"].id


def test_an_unknown_answer_is_refused(world):
    row = due_follow_up(world)
    with pytest.raises(services.PlacementError):
        services.answer(row, "maybe", None, None)
    assert row.answer is None


def test_token_round_trip_and_forgery(app, world, monkeypatch):
    row = due_follow_up(world)
    token = services.token_for(row)
    assert services.read_token(token) == (row, None)
    assert services.read_token(token + "x") == (None, "invalid")
    monkeypatch.setattr(rules, "TOKEN_MAX_AGE", -1)
    assert services.read_token(token) == (None, "expired")


def test_coordinator_answer_creates_the_row_when_cron_has_not(world):
    placement = factories.placement(world["student"], clock.today() - timedelta(days=200))
    row, changed = services.answer_for(world["coordinator"], placement, 6, "not_working", None)
    assert changed and row.months == 6 and row.due_date == rules.due_date(placement.start_date, 6)
    with pytest.raises(services.PlacementError) as error:
        services.answer_for(world["coordinator"], placement, 12, "still_there", None)
    assert "corresponde desde el" in str(error.value)
    assert count(FollowUp) == 1


# --- The convenio checklist -------------------------------------------------------------------


def test_agreement_dates(world):
    today = clock.today()
    placement = factories.placement(world["student"], today - timedelta(days=20), kind="practicas_profesionales")
    services.record_agreement(world["coordinator"], placement, today - timedelta(days=18), today - timedelta(days=2))
    assert placement.agreement_signed_on == today - timedelta(days=18)
    with pytest.raises(services.PlacementError) as error:
        services.record_agreement(world["coordinator"], placement, today - timedelta(days=3), today - timedelta(days=4))
    assert "anterior a la firma" in error.value.errors["registered_on"]
    with pytest.raises(services.PlacementError) as error:
        services.record_agreement(world["coordinator"], placement, None, today)
    assert "Primero indica cuándo se firmó" in error.value.errors["registered_on"]
    with pytest.raises(services.PlacementError):
        services.record_agreement(world["coordinator"], placement, today + timedelta(days=1), None)


def test_a_job_has_no_agreement_checklist(world):
    placement = factories.placement(world["student"], clock.today() - timedelta(days=20), kind="empleo")
    with pytest.raises(services.PlacementError):
        services.record_agreement(world["coordinator"], placement, clock.today(), None)
