"""Moderation services: automatic suspension after REPORT_SUSPEND_THRESHOLD reports from
different people, dismissing a report, confirming or lifting a suspension, and suspending a
whole company. Each tells the company what happened and why, each signed-in reporter the
outcome, and is audited."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Application, AuditEvent, Company, Notification, Opening, OpeningReport, OutboxEmail
from portal.openings import moderation, moderation_actions, services
from tests import factories


def told(kind: str) -> dict[int, str]:
    return dict(db.session.execute(select(Notification.user_id, Notification.message)
                                   .where(Notification.kind == kind)).all())


def audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def emails_to(user) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == user.email)))


@pytest.fixture
def world(app):
    company = factories.company(trade_name="Electro Dudosa")
    owner = factories.employer(company)
    opening = factories.opening(company, title="Ayudante de almacén")
    applicant = factories.student()
    factories.application(opening, applicant, state="in_review")
    reporters = [factories.student() for _ in range(3)]
    return company, owner, opening, applicant, reporters


def reported(opening, *people, reason="charges_fee"):
    for person in people:
        moderation.report(db.session.get(Opening, opening.id), person, reason, "Piden S/ 50.")


def test_three_different_people_suspend_an_opening_automatically(world):
    company, owner, opening, applicant, reporters = world
    reported(opening, reporters[0], reporters[1])
    reported(opening, reporters[1], None, None)  # the same person again and anonymous ones do not count
    assert db.session.get(Opening, opening.id).state == "published"

    reported(opening, reporters[2])
    db.session.expire_all()
    row = db.session.get(Opening, opening.id)
    assert (row.state, row.suspension_source) == ("suspended", "automatic")
    assert row.state_reason.startswith("Recibió 3 denuncias de personas distintas")
    # The reports stay open, for review.
    assert db.session.scalar(select(func.count()).select_from(OpeningReport)
                             .where(OpeningReport.resolved_at.is_(None))) == 6
    assert "fue suspendida" in told("application-finished")[applicant.id]
    assert "fue suspendida" in told("opening-suspended")[owner.id]
    body = emails_to(owner)[0].body_text
    assert "de forma automática" in body and "revisará pronto" in body
    event = audited("opening.suspended")[0]
    assert (event.actor_id, event.data["source"]) == (None, "automatic")


def test_the_threshold_comes_from_configuration(app, world):
    company, owner, opening, applicant, reporters = world
    app.config["REPORT_SUSPEND_THRESHOLD"] = 2
    reported(opening, *reporters[:2])
    assert db.session.get(Opening, opening.id).state == "suspended"


def test_dismissing_needs_a_note_settles_the_report_and_tells_its_reporter(world):
    company, owner, opening, applicant, reporters = world
    reported(opening, reporters[0])
    report = db.session.scalar(select(OpeningReport))
    admin = factories.admin()
    with pytest.raises(moderation.ModerationError, match="Escribe por qué descartas"):
        moderation_actions.dismiss(report, admin, "  ")
    moderation_actions.dismiss(report, admin, "El cobro es el uniforme, que la empresa devuelve.")
    db.session.expire_all()
    report = db.session.get(OpeningReport, report.id)
    assert report.outcome == "dismissed" and report.resolution.startswith("Descartada: El cobro")
    assert "no encontramos motivo" in told("report-settled")[reporters[0].id]
    assert owner.id not in told("report-settled")  # who reported is never told to the company
    assert audited("opening_report.dismissed")[0].data["note"].startswith("El cobro")
    with pytest.raises(moderation.NotPublished, match="ya fue atendida"):
        moderation_actions.dismiss(report, admin, "otra vez")


def test_reinstating_publishes_again_restores_the_applications_and_tells_everyone(world):
    company, owner, opening, applicant, reporters = world
    reported(opening, *reporters)
    admin = factories.admin()
    moderation_actions.reinstate(db.session.get(Opening, opening.id), admin,
                                 "Revisamos: la empresa no cobra nada.")
    db.session.expire_all()
    row = db.session.get(Opening, opening.id)
    assert (row.state, row.state_reason, row.suspension_source) == ("published", None, None)
    application = db.session.scalar(select(Application).where(Application.opening_id == opening.id))
    assert (application.state, application.rejection_reason) == ("received", None)
    assert "sigue en curso" in told("application-restored")[applicant.id]
    assert "vuelve a estar publicada" in told("opening-reinstated")[owner.id]
    assert any("vuelve a estar publicada" in e.subject for e in emails_to(owner))
    assert set(db.session.scalars(select(OpeningReport.outcome))) == {"dismissed"}
    assert set(told("report-settled")) == {r.id for r in reporters}
    assert audited("opening.reinstated")[0].actor_id == admin.id


def test_confirming_an_automatic_suspension_replaces_its_reason(world):
    company, owner, opening, applicant, reporters = world
    reported(opening, *reporters)
    admin = factories.admin()
    published = factories.opening(company)
    with pytest.raises(moderation.NotPublished):
        moderation_actions.confirm(published, admin, "No espera revisión.")
    moderation_actions.confirm(db.session.get(Opening, opening.id), admin, "Pide dinero por la entrevista.")
    db.session.expire_all()
    row = db.session.get(Opening, opening.id)
    assert (row.state, row.state_reason, row.suspension_source) == (
        "suspended", "Pide dinero por la entrevista.", "staff")
    assert set(db.session.scalars(select(OpeningReport.outcome))) == {"acted"}
    assert "confirmamos la suspensión" in told("report-settled")[reporters[0].id]
    assert any("queda confirmada" in e.subject for e in emails_to(owner))
    assert audited("opening.suspension_confirmed")


def test_suspending_a_company_suspends_its_openings_and_stops_it_publishing(world):
    company, owner, opening, applicant, reporters = world
    draft = factories.opening(company, state="draft")
    closed = factories.opening(company, state="closed")
    admin = factories.admin()
    with pytest.raises(moderation.NotAllowed):
        moderation_actions.suspend_company(company, factories.coordinator(), "Estafa")
    assert moderation_actions.suspend_company(company, admin, "Cobra a los postulantes.") == 1
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).suspension_source == "company"
    assert db.session.get(Opening, closed.id).state == "closed"
    assert "fue suspendida" in told("application-finished")[applicant.id]
    assert "Cobra a los postulantes" in told("company-suspended")[owner.id]
    assert owner.id not in told("opening-suspended")  # told once, for the company
    assert "nadie de la empresa puede publicar" in emails_to(owner)[0].body_text
    with pytest.raises(services.OpeningError, match="está suspendida"):
        services.publish(db.session.get(Opening, draft.id), owner)
    with pytest.raises(moderation.NotPublished, match="reactívala primero"):
        moderation_actions.reinstate(db.session.get(Opening, opening.id), admin, "Se corrigió.")

    assert moderation_actions.reinstate_company(db.session.get(Company, company.id), admin, "Devolvió el dinero.") == 1
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).state == "published"
    assert db.session.get(Company, company.id).suspended_at is None
    assert db.session.scalar(select(Application.state).where(Application.opening_id == opening.id)) == "received"
    assert "ya no está suspendida" in told("company-reinstated")[owner.id]
    assert [e.data["openings"] for e in audited("company.suspended")] == [[opening.id]]
    assert audited("company.reinstated")
    services.publish(db.session.get(Opening, draft.id), owner)
    assert db.session.get(Opening, draft.id).state == "published"


def test_a_coordinator_acts_only_on_openings_meant_for_its_cetpro(world):
    company, owner, opening, applicant, reporters = world
    arequipa, cusco = factories.cetpro(department="04"), factories.cetpro(department="08", province="0801")
    row = db.session.get(Opening, opening.id)
    row.targets_all_cetpros = False
    row.cetpros = [arequipa]
    db.session.commit()
    reported(opening, reporters[0])
    report = db.session.scalar(select(OpeningReport))
    with pytest.raises(moderation.NotAllowed):
        moderation_actions.dismiss(report, factories.coordinator(cusco), "No es de mi CETPRO.")
    moderation_actions.dismiss(report, factories.coordinator(arequipa), "Revisado con la empresa.")
    assert db.session.get(OpeningReport, report.id).outcome == "dismissed"


def test_an_opening_whose_deadline_passed_is_not_published_again(world):
    company, owner, opening, applicant, reporters = world
    reported(opening, *reporters)
    row = db.session.get(Opening, opening.id)
    row.deadline = clock.today() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(moderation.NotPublished, match="ya pasó"):
        moderation_actions.reinstate(db.session.get(Opening, opening.id), factories.admin(), "Todo en orden.")
    db.session.rollback()
    assert db.session.get(Opening, opening.id).state == "suspended"


def test_a_coordinator_does_not_lift_a_suspension_an_admin_made(world):
    """Coordinators may publish again what the threshold or a coordinator suspended; what
    the platform's staff suspended (or confirmed) only staff lift."""
    company, owner, opening, applicant, reporters = world
    cetpro = factories.cetpro()
    coordinator, admin = factories.coordinator(cetpro), factories.admin()
    reported(opening, *reporters)  # suspended automatically
    moderation_actions.reinstate(db.session.get(Opening, opening.id), coordinator, "Revisado con la empresa.")
    assert db.session.get(Opening, opening.id).state == "published"

    moderation.suspend(db.session.get(Opening, opening.id), admin, "Cobra por postular.")
    with pytest.raises(moderation.NotPublished, match="solo administración"):
        moderation_actions.reinstate(db.session.get(Opening, opening.id), coordinator, "Me parece bien.")
    db.session.rollback()
    assert db.session.get(Opening, opening.id).state == "suspended"
    moderation_actions.reinstate(db.session.get(Opening, opening.id), admin, "La empresa lo corrigió.")
    assert db.session.get(Opening, opening.id).state == "published"
