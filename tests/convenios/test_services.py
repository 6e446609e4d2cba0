"""Convenios without HTTP: proposing, deciding, the PDF, how one reads today, and `convenios warn`."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.companies import queries as companies
from portal.convenios import queries, services
from portal.convenios.cli import convenios_cli
from portal.extensions import db
from portal.models import Convenio, Notification, OutboxEmail
from tests import factories
from tests.helpers.files import minimal_pdf


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def data(**changes) -> services.ConvenioData:
    today = clock.today()
    values = dict(kind="practicas", start_date=today, end_date=today + timedelta(days=365), places_per_term=4,
                  notes="Prácticas para el último módulo.")
    values.update(changes)
    return services.ConvenioData(**values)


def test_a_coordinator_proposes_and_every_company_member_is_told(world):
    convenio, created = services.propose(world["coordinator"], "cetpro", world["cetpro"], world["company"], data())
    assert created and (convenio.state, convenio.proposed_by) == ("proposed", "cetpro")
    told = db.session.scalars(select(Notification).where(Notification.kind == "convenio-proposed")).all()
    assert [n.user_id for n in told] == [world["employer"].id]
    assert told[0].url == "/empresa/convenios" and "CETPRO Arequipa propone un convenio de prácticas" in told[0].message
    assert db.session.scalar(select(OutboxEmail.to_address)) == world["employer"].email


def test_an_employer_proposes_and_every_coordinator_is_told(world):
    convenio, _ = services.propose(world["employer"], "company", world["cetpro"], world["company"], data(kind="efsrt"))
    assert convenio.proposed_by == "company"
    assert set(db.session.scalars(select(Notification.user_id))) == {
        world["coordinator"].id, world["second_coordinator"].id}
    assert count(OutboxEmail) == 2


def test_dates_and_numbers_are_checked(world):
    today = clock.today()
    with pytest.raises(services.ConvenioError) as error:
        services.propose(world["coordinator"], "cetpro", world["cetpro"], world["company"],
                         data(end_date=today - timedelta(days=1), places_per_term=0, kind="otro"))
    assert set(error.value.errors) == {"end_date", "places_per_term", "kind"}
    assert error.value.errors["end_date"] == "La fecha de fin no puede ser anterior a la de inicio."
    assert count(Convenio) == 0
    convenio, _ = services.propose(world["coordinator"], "cetpro", world["cetpro"], world["company"],
                                   data(end_date=None, places_per_term=None, notes=""))
    assert convenio.end_date is None and convenio.notes is None  # open-ended is allowed


def test_a_repeated_proposal_gives_back_the_pending_one(world):
    first, _ = services.propose(world["coordinator"], "cetpro", world["cetpro"], world["company"], data())
    again, created = services.propose(world["coordinator"], "cetpro", world["cetpro"], world["company"], data())
    assert not created and again.id == first.id and count(Convenio) == 1
    with pytest.raises(services.ConvenioError) as error:
        services.propose(world["employer"], "company", world["cetpro"], world["company"], data())
    assert "ya te propuso" in str(error.value)


def test_resolve_company_by_choice_or_ruc(world):
    assert services.resolve_company(world["company"].id, "") == world["company"]
    assert services.resolve_company(None, "20100070970") == world["company"]
    with pytest.raises(services.ConvenioError) as error:
        services.resolve_company(None, "20100070971")
    assert "dígito verificador" in str(error.value)
    with pytest.raises(services.ConvenioError) as error:
        services.resolve_company(None, "20100047218")
    assert "No hay una empresa registrada con el RUC 20100047218" in str(error.value)
    with pytest.raises(services.ConvenioError) as error:
        services.resolve_company(None, "Electro")
    assert "Elige la empresa de la lista" in str(error.value)


def test_company_matches(world):
    assert queries.company_matches("electro") == [world["company"]]
    assert queries.company_matches("2051") == [world["other_company"]]
    assert queries.company_matches("e") == []
    assert queries.company_matches("100%") == []


@pytest.mark.parametrize("proposer, decider", [("cetpro", "employer"), ("company", "coordinator")])
def test_the_other_side_accepts_and_the_proposer_is_told(world, proposer, decider):
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by=proposer)
    assert services.decide(world[decider], convenio, accept=True) is True
    assert convenio.state == "active" and convenio.accepted_at is not None
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "convenio-accepted"))}
    expected = {world["coordinator"].id, world["second_coordinator"].id} if proposer == "cetpro" else {world["employer"].id}
    assert told == expected
    # What this means for the openings issue: the coordinator may now verify the company.
    assert companies.has_active_convenio(world["cetpro"].id, world["company"].id)
    assert services.decide(world[decider], convenio, accept=False) is False  # already answered
    assert convenio.state == "active"


@pytest.mark.parametrize("proposer, decider", [("cetpro", "employer"), ("company", "coordinator")])
def test_the_other_side_declines(world, proposer, decider):
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by=proposer)
    assert services.decide(world[decider], convenio, accept=False) is True
    assert convenio.state == "rejected" and convenio.accepted_at is None
    assert count(Notification, Notification.kind == "convenio-declined") >= 1
    assert not companies.has_active_convenio(world["cetpro"].id, world["company"].id)


def test_the_proposer_cannot_accept_its_own_proposal_nor_can_outsiders(world):
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by="cetpro")
    with pytest.raises(services.NotAllowed):
        services.decide(world["coordinator"], convenio, accept=True)
    for outsider in ("other_coordinator", "other_employer"):
        with pytest.raises(services.NotAllowed):
            services.decide(world[outsider], convenio, accept=True)
    assert convenio.state == "proposed"


def test_a_lapsed_proposal_cannot_be_accepted(world):
    today = clock.today()
    convenio = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by="company",
                                  start=today - timedelta(days=400), end=today - timedelta(days=1))
    assert queries.status(convenio, today).code == "lapsed"
    with pytest.raises(services.ConvenioError) as error:
        services.decide(world["coordinator"], convenio, accept=True)
    assert "ya pasó" in str(error.value)
    assert services.decide(world["coordinator"], convenio, accept=False) is True


@pytest.mark.parametrize("state, start, end, code", [
    ("proposed", -10, 300, "proposed"),
    ("proposed", -400, -1, "lapsed"),
    ("active", -10, 300, "active"),
    ("active", -10, 30, "ending"),
    ("active", -10, 0, "ending"),  # its last day: still in force
    ("active", -10, 31, "active"),
    ("active", -400, -1, "ended"),  # computed on read, before `convenios warn` runs
    ("active", 5, 300, "upcoming"),
    ("ended", -400, -1, "ended"),
    ("rejected", -10, 300, "rejected"),
])
def test_status_today(world, state, start, end, code):
    today = clock.today()
    convenio = factories.convenio(world["cetpro"], world["company"], state=state,
                                  start=today + timedelta(days=start), end=today + timedelta(days=end))
    assert queries.status(convenio, today).code == code
    in_force = companies.has_active_convenio(world["cetpro"].id, world["company"].id, today)
    assert in_force == (code in ("active", "ending"))


def test_open_ended_convenios_never_end(world):
    convenio = factories.convenio(world["cetpro"], world["company"], state="active")
    convenio.end_date = None
    db.session.commit()
    assert queries.status(convenio, date(2099, 1, 1)).code == "active"


def test_listing_puts_answers_due_and_ending_first(world):
    today = clock.today()
    active = factories.convenio(world["cetpro"], world["company"], state="active", kind="marco")
    ending = factories.convenio(world["cetpro"], world["other_company"], end=today + timedelta(days=10))
    waiting = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by="company",
                                 kind="efsrt")
    mine = factories.convenio(world["cetpro"], world["other_company"], state="proposed", proposed_by="cetpro",
                              kind="marco")
    # another CETPRO's:
    elsewhere = factories.convenio(world["other_cetpro"], world["company"], state="proposed", proposed_by="cetpro")
    items = queries.for_cetpro(world["cetpro"].id)
    assert [i.convenio.id for i in items] == [waiting.id, mine.id, ending.id, active.id]
    assert [i.awaiting_me for i in items] == [True, False, False, False]
    company_items = queries.for_company(world["company"].id)
    assert [i.convenio.id for i in company_items] == [elsewhere.id, waiting.id, active.id]
    assert [i.awaiting_me for i in company_items] == [True, False, False]


def test_attach_pdf_replaces_the_old_file(app, world):
    convenio = factories.convenio(world["cetpro"], world["company"], state="active")
    services.attach_pdf(world["employer"], convenio, FileStorage(io.BytesIO(minimal_pdf("v1")), filename="a.pdf"))
    first = convenio.pdf_path
    services.attach_pdf(world["coordinator"], convenio, FileStorage(io.BytesIO(minimal_pdf("v2")), filename="b.pdf"))
    assert convenio.pdf_path != first
    from portal import uploads
    assert uploads.read_stored(first) is None and uploads.read_stored(convenio.pdf_path) is not None
    with pytest.raises(services.ConvenioError) as error:
        services.attach_pdf(world["coordinator"], convenio, FileStorage(io.BytesIO(b"hola"), filename="c.pdf"))
    assert "debe ser un PDF" in str(error.value)
    with pytest.raises(services.NotAllowed):
        services.attach_pdf(world["other_employer"], convenio, FileStorage(io.BytesIO(minimal_pdf()), filename="d.pdf"))


def test_warn_once_and_end_the_expired(runner, world):
    today = clock.today()
    ending = factories.convenio(world["cetpro"], world["company"], state="active", end=today + timedelta(days=20))
    later = factories.convenio(world["cetpro"], world["other_company"], end=today + timedelta(days=31))
    expired = factories.convenio(world["cetpro"], world["other_company"], state="active", kind="marco",
                                 start=today - timedelta(days=400), end=today - timedelta(days=1))
    other = factories.convenio(world["other_cetpro"], world["company"], end=today + timedelta(days=3))
    proposed = factories.convenio(world["cetpro"], world["company"], state="proposed", proposed_by="company",
                                  kind="efsrt", end=today + timedelta(days=5))
    result = runner.invoke(convenios_cli, ["warn"])
    assert result.exit_code == 0, result.output
    assert "Convenios por vencer avisados: 2. Convenios finalizados: 1." in result.output
    warned = db.session.scalars(select(Notification).where(Notification.kind == "convenio-ending")).all()
    assert {n.user_id for n in warned} == {world["coordinator"].id, world["second_coordinator"].id,
                                          world["other_coordinator"].id}
    message = next(n.message for n in warned if n.user_id == world["coordinator"].id)
    assert message.startswith("El convenio de prácticas con Electro Sur S.A.C. vence en 20 días")
    assert count(OutboxEmail) == 3
    for row in (ending, later, expired, other, proposed):
        db.session.refresh(row)
    assert ending.end_warning_sent_at is not None and later.end_warning_sent_at is None
    assert proposed.end_warning_sent_at is None and expired.state == "ended"
    again = runner.invoke(convenios_cli, ["warn"])
    assert "Convenios por vencer avisados: 0. Convenios finalizados: 0." in again.output
    assert count(Notification, Notification.kind == "convenio-ending") == 3
