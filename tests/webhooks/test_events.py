"""Webhooks without HTTP: each event queues one delivery per subscribed endpoint of the
CETPROs it concerns, in the event's own transaction; CETPRO X never gets CETPRO Y's events."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.applications import services as applications
from portal.extensions import db
from portal.models import FollowUp, WebhookDelivery
from portal.openings import services as openings
from portal.placements import rules
from portal.placements import services as placements
from portal.webhooks import queries, services
from tests import factories
from tests.helpers.webhooks import endpoint


def deliveries(event=None) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if event:
        query = query.where(WebhookDelivery.event == event)
    return list(db.session.scalars(query))


def hire(student):
    company = factories.company(legal_name="Electro Sur S.A.C.")
    opening = factories.opening(company, title="Técnico electricista")
    application = factories.application(opening, student, "finalist")
    placements.move(factories.employer(company), application,
                    applications.Move("hired", start_date=clock.today() - timedelta(days=1)))
    return application


def test_a_hire_queues_application_hired_and_placement_created_for_the_students_cetpro_only(world):
    ours = endpoint(world["coordinator"])
    endpoint(world["other_coordinator"])
    application = hire(world["student"])
    hired, created = deliveries("application.hired"), deliveries("placement.created")
    assert [d.endpoint_id for d in hired] == [ours.id] and [d.endpoint_id for d in created] == [ours.id]
    payload = hired[0].payload
    assert payload["type"] == "application.hired" and payload["id"] == hired[0].event_id
    assert payload["cetpro"] == {"id": world["cetpro"].id, "codigo_modular": world["cetpro"].codigo_modular,
                                 "name": "CETPRO Arequipa"}
    assert payload["data"]["application"]["id"] == application.id
    assert payload["data"]["student"]["document_number"] == world["student"].student.document_number
    assert payload["data"]["student"]["last_names"] == "Quispe Mamani"
    assert payload["data"]["opening"]["title"] == "Técnico electricista"
    assert created[0].payload["data"]["placement"]["source"] == "portal"
    assert hired[0].state == "pending" and hired[0].attempts == 0


def test_a_refused_hire_queues_nothing(world):
    endpoint(world["coordinator"])
    company = factories.company()
    application = factories.application(factories.opening(company), world["student"], "finalist")
    with pytest.raises(applications.ApplicationError):
        placements.move(factories.employer(company), application, applications.Move("hired", start_date=None))
    db.session.rollback()
    assert deliveries() == []


def test_a_manual_placement_queues_placement_created(world):
    endpoint(world["coordinator"])
    other = endpoint(world["other_coordinator"])
    placement, _ = placements.record_manual(world["coordinator"], placements.PlacementData(
        student_id=world["student"].student.id, employer_name="Taller Misti", employer_ruc="",
        job_title="Soldador", kind="empleo", start_date=clock.today() - timedelta(days=3)))
    [delivery] = deliveries()
    assert delivery.event == "placement.created" and delivery.endpoint_id != other.id
    assert delivery.payload["data"]["placement"] == {**delivery.payload["data"]["placement"], "id": placement.id,
                                                      "source": "manual", "employer_name": "Taller Misti"}


def test_an_answered_follow_up_queues_followup_answered_once(world):
    endpoint(world["coordinator"], events=["followup.answered"])
    endpoint(world["other_coordinator"])
    placement = factories.placement(world["student"], clock.today() - timedelta(days=100))
    row = FollowUp(placement_id=placement.id, months=3, due_date=rules.due_date(placement.start_date, 3))
    db.session.add(row)
    db.session.commit()
    assert placements.answer(row, "elsewhere", "Minera Cerro Verde", None) is True
    assert placements.answer(row, "not_working", None, world["coordinator"]) is False  # already answered
    [delivery] = deliveries()
    follow_up = delivery.payload["data"]["follow_up"]
    assert (follow_up["months"], follow_up["answer"], follow_up["current_employer"], follow_up["answered_by"]) == (
        3, "elsewhere", "Minera Cerro Verde", "graduate")


def test_only_subscribed_active_endpoints_get_an_event(world):
    placements_only = endpoint(world["coordinator"], url="https://a.example.pe/h", events=["placement.created"])
    paused = endpoint(world["coordinator"], url="https://b.example.pe/h")
    services.set_paused(world["coordinator"], paused, True)
    hire(world["student"])
    assert [(d.event, d.endpoint_id) for d in deliveries()] == [("placement.created", placements_only.id)]


def _draft(company, employer, **changes):
    return factories.opening(company, state="draft", title="Electricista industrial", created_by_id=employer.id,
                             **changes)


def test_a_published_opening_reaches_cetpros_teaching_its_family(world):
    ours = endpoint(world["coordinator"])
    endpoint(world["other_coordinator"])  # teaches nothing of the family
    company = factories.company()
    employer = factories.employer(company)
    opening = openings.publish(_draft(company, employer), employer)
    [delivery] = deliveries()
    assert delivery.event == "opening.published" and delivery.endpoint_id == ours.id
    assert delivery.payload["data"]["opening"]["id"] == opening.id
    assert delivery.payload["data"]["opening"]["url"].endswith(f"/ofertas/{opening.id}")


def test_a_published_opening_for_named_cetpros_reaches_only_them(world):
    endpoint(world["coordinator"])
    theirs = endpoint(world["other_coordinator"])
    company = factories.company()
    employer = factories.employer(company)
    draft = _draft(company, employer, targets_all_cetpros=False)
    draft.cetpros = [world["other_cetpro"]]
    db.session.commit()
    openings.publish(draft, employer)
    assert [d.endpoint_id for d in deliveries()] == [theirs.id]


def test_a_refused_publication_queues_nothing(world):
    endpoint(world["coordinator"])
    company = factories.company(verified=False)
    employer = factories.employer(company)
    with pytest.raises(openings.OpeningError):
        openings.publish(_draft(company, employer), employer)
    db.session.rollback()
    assert deliveries() == []


# --- The endpoints -------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "field_message"), [
    ("", "Escribe la dirección"),
    ("ftp://siga.example.pe/h", "debe empezar con https://"),
    ("javascript:alert(1)", "debe empezar con https://"),
    ("https://", "debe empezar con https://"),
    ("https://usuario:clave@siga.example.pe/h", "usuario ni contraseña"),
    ("https://siga.example.pe/" + "a" * 500, "demasiado larga"),
])
def test_a_bad_url_is_refused_with_a_spanish_message(world, url, field_message):
    with pytest.raises(services.WebhookError) as refused:
        endpoint(world["coordinator"], url=url)
    assert field_message in refused.value.errors["url"]
    db.session.rollback()
    assert queries.endpoints_of(world["cetpro"].id) == []


def test_events_must_be_chosen_from_the_list(world):
    for events, message in (([], "al menos un evento"), (["application.hired", "user.deleted"], "de la lista")):
        with pytest.raises(services.WebhookError) as refused:
            services.create(world["coordinator"], world["cetpro"].id,
                            services.EndpointData(url="https://a.example.pe", description="", events=events))
        assert message in refused.value.errors["events"]


def test_production_accepts_only_https(world, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(services.WebhookError):
        endpoint(world["coordinator"], url="http://siga.example.pe/h")
    for local in ("https://localhost/h", "https://127.0.0.1/h", "https://10.0.0.5/h", "https://[::1]/h",
                  "https://169.254.169.254/latest", "https://siga.local/h"):
        with pytest.raises(services.WebhookError) as refused:
            endpoint(world["coordinator"], url=local)
        assert "pública" in refused.value.errors["url"]
    assert endpoint(world["coordinator"], url="https://siga.example.pe/h").url == "https://siga.example.pe/h"


def test_rotating_keeps_the_previous_secret_for_the_grace_period(world, frozen_clock):
    from datetime import datetime

    from portal.webhooks import sending

    frozen_clock(datetime(2026, 12, 1, 10, 0))
    row = endpoint(world["coordinator"])
    first = row.secret
    assert first.startswith("whsec_") and len(first) > 40
    second = services.rotate(world["coordinator"], row)
    assert second != first and row.secret == second and row.previous_secret == first
    assert sending.secrets_of(row, clock.utcnow()) == [second, first]
    frozen_clock(datetime(2026, 12, 2, 10, 1))  # a day and a minute later
    assert sending.secrets_of(row, clock.utcnow()) == [second]
