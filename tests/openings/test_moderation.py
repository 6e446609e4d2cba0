"""Reports reach the people who can act; coordinators and admins suspend with a reason."""
import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Application, AuditEvent, Notification, Opening, OpeningReport, OutboxEmail
from portal.openings import moderation
from tests import factories
from tests.helpers.events import events
from tests.helpers.web import HTMX


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def notified() -> set[int]:
    return set(db.session.scalars(select(Notification.user_id)))


def report(client, opening, headers=None, **data):
    data = {"report-reason": "charges_fee", "report-details": "Piden S/ 50 por la entrevista.", **data}
    return client.post(f"/ofertas/{opening.id}/reportar", data=data, headers=headers or {})


# --- Reports --------------------------------------------------------------------------------


def test_a_visitor_reports_in_place_and_admins_and_the_targeted_coordinators_hear(client):
    arequipa, cusco = factories.cetpro(department="04"), factories.cetpro(department="08", province="0801")
    chosen = factories.coordinator(arequipa)
    elsewhere = factories.coordinator(cusco)
    admin, former_admin = factories.admin(), factories.admin()
    former_admin.active = False
    opening = factories.opening(targets_all_cetpros=False)
    opening.cetpros = [arequipa]
    db.session.commit()

    response = report(client, opening, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="opening-report"') and "Gracias por avisarnos" in html
    row = db.session.scalar(select(OpeningReport))
    assert (row.opening_id, row.reporter_id, row.reason, row.details) == (
        opening.id, None, "charges_fee", "Piden S/ 50 por la entrevista.")
    assert notified() == {admin.id, chosen.id}
    assert elsewhere.id not in notified()
    message = db.session.scalar(select(Notification.message).where(Notification.user_id == chosen.id))
    assert "Pide dinero o cobra por postular" in message and opening.title in message


def test_an_opening_for_all_cetpros_reaches_the_coordinators_of_its_department(app):
    here = factories.coordinator(factories.cetpro(department="04"))
    there = factories.coordinator(factories.cetpro(department="15", province="1501"))
    opening = factories.opening(department_code="04", targets_all_cetpros=True)
    assert set(moderation.report_recipients(opening)) == {here.id}
    assert there.id not in moderation.report_recipients(opening)


def test_a_signed_in_reporter_is_recorded_and_without_htmx_goes_back_to_the_opening(client, auth):
    student = factories.student()
    auth.login(student)
    opening = factories.opening()
    response = report(client, opening, **{"report-reason": "fake", "report-details": ""})
    assert response.status_code == 303 and response.headers["Location"] == f"/ofertas/{opening.id}"
    assert db.session.scalar(select(OpeningReport.reporter_id)) == student.id
    assert "Gracias por avisarnos" in client.get(f"/ofertas/{opening.id}").get_data(as_text=True)


def test_bad_reports_get_422_with_a_spanish_message_and_save_nothing(client):
    opening = factories.opening()
    for data, message in (
        ({"report-reason": ""}, "Elige un motivo."),
        ({"report-reason": "estafa"}, "Elige un motivo de la lista."),
        ({"report-reason": "other", "report-details": "  "}, "Cuéntanos qué pasa con esta oferta."),
        ({"report-details": "x" * 1001}, "Máximo 1000 caracteres."),
    ):
        response = report(client, opening, headers=HTMX, **data)
        assert response.status_code == 422, data
        html = response.get_data(as_text=True)
        assert html.lstrip().startswith('<section id="opening-report"') and message in html
    page = report(client, opening, **{"report-reason": ""})
    assert page.status_code == 422 and b"<html" in page.data and b"<details class=\"card\" open>" in page.data
    assert count(OpeningReport) == 0 and count(Notification) == 0


def test_reports_are_rate_limited_per_address(client):
    opening = factories.opening()
    for _ in range(10):
        assert report(client, opening, headers=HTMX).status_code == 200
    limited = report(client, opening, headers=HTMX)
    assert limited.status_code == 429 and "Demasiados intentos" in limited.get_data(as_text=True)
    assert count(OpeningReport) == 10


def test_a_draft_cannot_be_reported_by_strangers(client):
    assert report(client, factories.opening(state="draft")).status_code == 404


# --- Suspension ----------------------------------------------------------------------------


def suspend(client, opening, reason="Cobra a los postulantes por la capacitación.", headers=None):
    return client.post(f"/ofertas/{opening.id}/suspender", data={"suspend-reason": reason}, headers=headers or {})


def test_an_admin_suspends_and_the_company_is_told(client, auth):
    company = factories.company()
    owner, colleague = factories.employer(company), factories.employer(company)
    factories.employer(company, state="pending")  # not yet a member: not told
    opening = factories.opening(company)
    client.post(f"/ofertas/{opening.id}/reportar", data={"report-reason": "charges_fee"})
    admin = factories.admin()
    auth.login(admin)

    page = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert "Suspender esta oferta" in page and 'name="suspend-reason"' in page

    response = suspend(client, opening, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<article id="opening"')
    assert '<span class="badge state">Suspendida</span>' in html and "Cobra a los postulantes" in html
    assert 'id="apply-area"' not in html and "Suspender esta oferta" not in html
    assert "notice-posted" in events(response)

    db.session.expire_all()
    row = db.session.get(Opening, opening.id)
    assert (row.state, row.state_reason) == ("suspended", "Cobra a los postulantes por la capacitación.")
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "opening-suspended")))
    assert told == {owner.id, colleague.id}
    emails = list(db.session.scalars(select(OutboxEmail)))
    assert {e.to_address for e in emails} == {owner.email, colleague.email}
    assert all("Motivo: Cobra a los postulantes" in e.body_text for e in emails)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "opening.suspended"))
    assert (event.actor_id, event.object_id, event.data["reason"]) == (admin.id, opening.id, row.state_reason)
    assert db.session.scalar(select(OpeningReport.resolved_at)) is not None
    assert "Cobra a los postulantes" not in client.get("/ofertas").get_data(as_text=True)


def test_without_htmx_suspension_answers_303_to_the_opening(client, auth):
    opening = factories.opening()
    auth.login(factories.admin())
    response = suspend(client, opening)
    assert response.status_code == 303 and response.headers["Location"] == f"/ofertas/{opening.id}"
    assert "Suspendiste la oferta" in client.get(f"/ofertas/{opening.id}").get_data(as_text=True)


def test_a_coordinator_suspends_openings_meant_for_its_cetpro_only(client, auth):
    mine, other = factories.cetpro(), factories.cetpro()
    coordinator = factories.coordinator(mine)
    for_all = factories.opening(title="Para todos", targets_all_cetpros=True)
    for_mine = factories.opening(title="Para el mío", targets_all_cetpros=False)
    for_other = factories.opening(title="Para otro", targets_all_cetpros=False)
    for_mine.cetpros, for_other.cetpros = [mine], [other]
    db.session.commit()
    auth.login(coordinator)

    assert "Suspender esta oferta" not in client.get(f"/ofertas/{for_other.id}").get_data(as_text=True)
    assert suspend(client, for_other).status_code == 404
    assert suspend(client, for_mine).status_code == 303
    assert suspend(client, for_all).status_code == 303
    db.session.expire_all()
    assert [o.state for o in (for_all, for_mine, for_other)] == ["suspended", "suspended", "published"]


def test_other_roles_cannot_suspend(client, auth):
    company = factories.company()
    opening = factories.opening(company)
    assert suspend(client, opening).status_code == 302  # anonymous: to /ingresar
    for user in (factories.student(), factories.employer(company)):
        auth.login(user)
        assert suspend(client, opening).status_code == 403
        assert "Suspender esta oferta" not in client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
        auth.logout()
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).state == "published"


def test_a_suspension_needs_a_reason_and_a_published_opening(client, auth):
    opening = factories.opening()
    auth.login(factories.admin())
    response = suspend(client, opening, reason="   ", headers=HTMX)
    assert response.status_code == 422
    assert "Escribe el motivo de la suspensión" in response.get_data(as_text=True)
    page = suspend(client, opening, reason="")
    assert page.status_code == 422 and b"<html" in page.data
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).state == "published" and count(Notification) == 0

    closed = factories.opening(state="closed")
    response = suspend(client, closed, headers=HTMX)
    assert response.status_code == 409
    assert "solo se suspende una oferta publicada" in response.get_data(as_text=True)


def test_suspension_ends_every_open_application_and_tells_each_applicant_why(client, auth):
    company = factories.company(trade_name="Electro Estafa")
    owner = factories.employer(company)
    opening = factories.opening(company, title="Ayudante de almacén")
    waiting = {state: factories.student() for state in ("received", "viewed", "in_review", "finalist")}
    for state, student in waiting.items():
        factories.application(opening, student, state=state)
    hired, withdrawn = factories.student(), factories.student()
    factories.application(opening, hired, state="hired")
    factories.application(opening, withdrawn, state="withdrawn")
    auth.login(factories.admin())

    assert suspend(client, opening, reason="Pidió S/ 50 para el examen médico.").status_code == 303
    db.session.expire_all()
    ended = dict(db.session.execute(select(Application.student_id, Application.rejection_reason)
                                    .where(Application.state == "rejected")).all())
    assert set(ended) == {s.student.id for s in waiting.values()} and set(ended.values()) == {"opening_suspended"}
    assert db.session.scalar(select(Application.state).where(Application.student_id == hired.student.id)) == "hired"
    assert db.session.scalar(
        select(Application.state).where(Application.student_id == withdrawn.student.id)) == "withdrawn"

    notices = dict(db.session.execute(select(Notification.user_id, Notification.message)
                                      .where(Notification.kind == "application-finished")).all())
    assert set(notices) == {s.id for s in waiting.values()}
    assert set(notices.values()) == {
        "La oferta «Ayudante de almacén» de Electro Estafa fue suspendida: Pidió S/ 50 para el examen médico. "
        "Tu postulación no continuará."}
    to_students = db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.to_address.in_([s.email for s in waiting.values()]))).all()
    assert len(to_students) == 4
    assert all("Motivo: Pidió S/ 50 para el examen médico.\n" in e.body_text and "no pagues" in e.body_text
               for e in to_students)
    to_company = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.to_address == owner.email))
    assert "Avisamos a 4 postulantes que su postulación no continuará." in to_company
    assert db.session.scalar(select(AuditEvent.data["applicants_told"]).where(
        AuditEvent.action == "opening.suspended")) == 4

    auth.logout()
    auth.login(waiting["received"])
    mine = client.get("/estudiante/postulaciones").get_data(as_text=True)
    assert "Descartado/a" in mine and "Oferta suspendida" in mine and "Recibida" not in mine


def test_a_suspension_with_nobody_waiting_tells_the_company_so(client, auth):
    company = factories.company()
    owner = factories.employer(company)
    opening = factories.opening(company)
    auth.login(factories.admin())
    assert suspend(client, opening).status_code == 303
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.to_address == owner.email))
    assert "No había postulaciones en curso." in body and "Avisamos a 0" not in body


def test_a_reason_ending_in_a_period_never_reads_with_two(client, auth):
    company = factories.company()
    factories.employer(company)
    opening = factories.opening(company)
    student = factories.student()
    factories.application(opening, student)
    auth.login(factories.admin())
    suspend(client, opening, reason="Cobra a los postulantes por la capacitación.")
    page = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert re.search(r"Fue suspendida: Cobra a los postulantes por la capacitación\.\s+Ya no recibe", page)
    for message in db.session.scalars(select(Notification.message)):
        assert ".." not in message, message
    auth.logout()
    auth.login(student)
    page = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert ".." not in page.replace("...", "")
    auth.logout()
    auth.login(factories.student())
    refused = client.post(f"/ofertas/{opening.id}/postular", headers=HTMX)
    assert ("Esta oferta está suspendida: Cobra a los postulantes por la capacitación. Ya no recibe postulaciones."
            in refused.get_data(as_text=True))


# --- Reading reports -----------------------------------------------------------------------


def test_the_people_told_about_a_report_are_linked_to_the_report_itself(client, auth):
    cetpro = factories.cetpro(department="04")
    coordinator = factories.coordinator(cetpro)
    admin = factories.admin()
    opening = factories.opening(targets_all_cetpros=True, department_code="04")
    report(client, opening, **{"report-details": "Me pidieron S/ 50 para el examen médico."})
    row = db.session.scalar(select(OpeningReport))
    links = dict(db.session.execute(select(Notification.user_id, Notification.url)).all())
    assert links == {admin.id: f"/admin/denuncias/{row.id}", coordinator.id: f"/coordinador/denuncias/{row.id}"}

    for user in (admin, coordinator):
        auth.login(user)
        notification = db.session.scalar(select(Notification.id).where(Notification.user_id == user.id))
        followed = client.get(f"/notificaciones/{notification}/abrir")
        assert followed.headers["Location"] == links[user.id]
        page = client.get(links[user.id]).get_data(as_text=True)
        assert "Pide dinero o cobra por postular" in page and "Me pidieron S/ 50 para el examen médico." in page
        assert f'href="/ofertas/{opening.id}"' in page
        auth.logout()
