"""A placement's outcome category: recorded by the coordinator, updated by follow-ups (hers or
the coordinator's), migrated from the kind for rows recorded before categories existed."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from portal import clock
from portal.extensions import db
from portal.models import FollowUp, OutboxEmail, Placement
from portal.placements import rules, services
from tests import factories
from tests.placements.test_services import data


def test_a_job_and_a_practica_take_their_category_from_the_modality(world):
    job, _ = services.record_manual(world["coordinator"], data(world))
    internship, _ = services.record_manual(world["coordinator"], data(world, kind="practicas_profesionales",
                                                                      employer_name="Otra"))
    assert (job.outcome, job.kind) == ("empleo_dependiente", "empleo")
    assert (internship.outcome, internship.kind) == ("practica", "practicas_profesionales")


def test_a_practica_needs_its_formative_modality(world):
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, outcome="practica", kind="empleo"))
    assert "modalidad formativa" in error.value.errors["kind"]
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, outcome="empleo_dependiente", kind="pasantia"))
    assert "práctica" in error.value.errors["kind"]
    assert db.session.query(Placement).count() == 0


def test_studies_looking_and_no_information_need_no_employer(world):
    for outcome in ("estudios", "buscando", "sin_informacion"):
        placement, created = services.record_manual(world["coordinator"], data(
            world, outcome=outcome, employer_name="", job_title="", pay_min=None, pay_max=None))
        assert created and placement.outcome == outcome and placement.kind == "empleo"
        assert placement.employer_name == "" and placement.job_title == ""


def test_self_employment_needs_its_activity_but_no_employer(world):
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, outcome="independiente", employer_name="", job_title=""))
    assert set(error.value.errors) == {"job_title"} and "actividad" in error.value.errors["job_title"]
    placement, _ = services.record_manual(world["coordinator"], data(
        world, outcome="independiente", employer_name="", job_title="Taller propio de confección"))
    assert placement.outcome == "independiente"


def test_an_unknown_outcome_is_refused(world):
    with pytest.raises(services.PlacementError) as error:
        services.record_manual(world["coordinator"], data(world, outcome="jubilado"))
    assert "resultado" in error.value.errors["outcome"]


def _due(world, months=3, kind="empleo"):
    placement = factories.placement(world["student"], clock.today() - timedelta(days=400), kind=kind)
    row = FollowUp(placement_id=placement.id, months=months, due_date=rules.due_date(placement.start_date, months))
    db.session.add(row)
    db.session.commit()
    return placement, row


def test_follow_up_answers_update_the_category(world):
    placement, row = _due(world)
    services.answer(row, "not_working", None, None)
    db.session.refresh(placement)
    assert row.outcome == "buscando" and placement.current_outcome == "buscando"
    _, changed = services.answer_for(world["coordinator"], placement, 6, "elsewhere", "Mi taller", outcome="independiente")
    db.session.refresh(placement)
    assert changed and placement.current_outcome == "independiente"
    assert placement.outcome == "empleo_dependiente"  # as recorded: the history stays


def test_still_there_keeps_a_practica_a_practica(world):
    placement, row = _due(world, kind="pasantia")
    services.answer(row, "still_there", None, None)
    db.session.refresh(placement)
    assert row.outcome == "practica" and placement.current_outcome == "practica"


def test_an_outcome_that_contradicts_the_answer_changes_nothing(world):
    placement, row = _due(world)
    with pytest.raises(services.PlacementError) as error:
        services.answer(row, "not_working", None, None, outcome="empleo_dependiente")
    assert "no coincide" in str(error.value)
    db.session.refresh(row)
    assert row.answer is None and row.outcome is None


def test_an_older_follow_up_answered_late_does_not_overwrite_a_newer_one(world):
    placement, row12 = _due(world, months=12)
    services.answer(row12, "not_working", None, None, outcome="estudios")
    services.answer_for(world["coordinator"], placement, 3, "still_there", None)
    db.session.refresh(placement)
    assert placement.current_outcome == "estudios"


def test_the_graduate_reports_her_own_outcome_from_the_link(client, world):
    placement, row = _due(world)
    token = services.token_for(row)
    page = client.get(f"/seguimiento/{token}")
    assert "¿Qué haces ahora?" in page.text and "Trabajo independiente / emprendimiento" in page.text
    refused = client.post(f"/seguimiento/{token}", data={"answer": "still_there", "outcome": "buscando"})
    assert refused.status_code == 422 and "no coincide" in refused.text
    response = client.post(f"/seguimiento/{token}", data={"answer": "not_working", "outcome": "estudios"},
                           follow_redirects=True)
    assert response.status_code == 200 and "Estudios" in response.text
    db.session.refresh(placement)
    assert placement.current_outcome == "estudios"


def test_the_coordinator_records_a_category_from_the_form(client, auth, world):
    auth.login(world["coordinator"])
    response = client.post("/coordinador/colocaciones", data={
        "student_id": world["student"].student.id, "outcome": "estudios", "kind": "empleo",
        "employer_name": "SENATI", "start_date": clock.today().isoformat()}, follow_redirects=True)
    assert response.status_code == 200
    page = client.get("/coordinador/colocaciones")
    assert "Estudios" in page.text and "SENATI" in page.text
    refused = client.post("/coordinador/colocaciones", data={
        "student_id": world["student"].student.id, "outcome": "practica", "kind": "empleo",
        "employer_name": "Taller", "job_title": "Ayudante", "start_date": clock.today().isoformat()})
    assert refused.status_code == 422 and "modalidad formativa" in refused.text


def test_the_migration_derives_categories_from_kinds_and_answers(app, world):
    job = factories.placement(world["student"], clock.today() - timedelta(days=400))
    internship = factories.placement(world["student"], clock.today() - timedelta(days=400), kind="capacitacion_juvenil",
                                     employer="Otra")
    left = factories.placement(world["student"], clock.today() - timedelta(days=400), employer="Tercera")
    db.session.add(FollowUp(placement_id=left.id, months=3, due_date=rules.due_date(left.start_date, 3),
                            answer="still_there"))
    db.session.add(FollowUp(placement_id=left.id, months=6, due_date=rules.due_date(left.start_date, 6),
                            answer="not_working"))
    db.session.commit()
    ids = job.id, internship.id, left.id
    db.session.remove()
    downgrade(revision="0025_job_alerts")  # the revision before 0026_outcomes
    upgrade()
    outcomes = dict(db.session.execute(text("SELECT id, outcome FROM placements")).all())
    assert outcomes == dict(zip(ids, ("empleo_dependiente", "practica", "empleo_dependiente"), strict=True))
    answers = dict(db.session.execute(text("SELECT months, outcome FROM follow_ups")).all())
    assert answers == {3: "empleo_dependiente", 6: "buscando"}


def test_the_insercion_report_counts_only_work_as_a_placement(world):
    from portal.reports import figures
    services.record_manual(world["coordinator"], data(world, outcome="buscando", employer_name="", job_title=""))
    report = figures.compute(figures.Scope(cetpro_id=world["cetpro"].id))
    assert report.placed == 0 and report.placements == 0 and report.graduates == 1
    services.record_manual(world["coordinator"], data(world, outcome="independiente", employer_name="", job_title="Costura"))
    assert figures.compute(figures.Scope(cetpro_id=world["cetpro"].id)).placed == 1


@pytest.mark.parametrize("outcome, job_title, asked, buttons, not_asked", [
    ("estudios", "", "Hace 3 meses nos contaste que estudiabas. ¿Cómo te va ahora?",
     ["Sigo estudiando", "Ahora trabajo", "No trabajo ni estudio"], "trabajando allí"),
    ("buscando", "", "Hace 3 meses nos contaste que buscabas empleo. ¿Cómo te va ahora?",
     ["Ahora trabajo", "No estoy trabajando"], "Sí, sigo"),
    ("independiente", "Taller de costura", "Hace 3 meses empezaste a trabajar por tu cuenta (Taller de costura). "
     "¿Sigues con esa actividad?", ["Sí, sigo con esa actividad", "Trabajo en otro lugar"], "trabajando allí"),
])
def test_the_follow_up_asks_by_what_was_recorded(client, world, outcome, job_title, asked, buttons, not_asked):
    """A graduate recorded as studying or looking for work is not asked about "your job there"
    (the email, the notification and the page), and answering keeps working."""
    start = clock.today() - timedelta(days=100)
    placement, _ = services.record_manual(world["coordinator"], data(
        world, outcome=outcome, employer_name="", job_title=job_title, pay_min=None, pay_max=None, start_date=start))
    db.session.commit()
    services.schedule_due(clock.today())
    db.session.commit()
    row = db.session.scalar(select(FollowUp).where(FollowUp.placement_id == placement.id))
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == world["student"].email))
    assert asked in email.body_text and not_asked not in email.body_text + email.subject
    assert " en ." not in email.body_text and "como  " not in email.body_text
    page = html.unescape(client.get(f"/seguimiento/{services.token_for(row)}").get_data(as_text=True))
    assert asked.split(". ")[-1] in page and not_asked not in page
    assert [b for b in buttons if f">{b}</button>" not in page] == []
    answer = "still_there" if outcome != "buscando" else "not_working"
    assert client.post(f"/seguimiento/{services.token_for(row)}", data={"answer": answer}).status_code in (200, 303)
    db.session.refresh(placement)
    assert placement.current_outcome == outcome
