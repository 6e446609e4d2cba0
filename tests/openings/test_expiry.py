"""Deadlines expire openings: by `flask openings expire` (cron) and whenever they are read."""
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.applications import services as applications
from portal.clock import today
from portal.extensions import db
from portal.models import Application, AuditEvent, Notification, Opening, OutboxEmail
from portal.openings import expiry, services
from tests import factories
from tests.helpers.web import HTMX


def states() -> dict[str, str]:
    return dict(db.session.execute(select(Opening.title, Opening.state)).all())


def test_the_command_expires_every_published_opening_past_its_deadline(runner):
    factories.opening(title="Vencida ayer", deadline=today() - timedelta(days=1))
    factories.opening(title="Vencida hace un mes", deadline=today() - timedelta(days=30))
    factories.opening(title="Cierra hoy", deadline=today())
    factories.opening(title="Sin plazo", deadline=None)
    factories.opening(title="Cerrada y vencida", state="closed", deadline=today() - timedelta(days=3))
    factories.opening(title="Borrador vencido", state="draft", deadline=today() - timedelta(days=3))

    result = runner.invoke(args=["openings", "expire"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Se marcaron 2 ofertas como vencidas."
    db.session.expire_all()
    assert states() == {
        "Vencida ayer": "expired", "Vencida hace un mes": "expired", "Cierra hoy": "published",
        "Sin plazo": "published", "Cerrada y vencida": "closed", "Borrador vencido": "draft",
    }
    assert runner.invoke(args=["openings", "expire"]).output.strip() == "Se marcaron 0 ofertas como vencidas."


def test_the_command_speaks_of_one_opening_in_the_singular(runner):
    factories.opening(deadline=today() - timedelta(days=1))
    assert runner.invoke(args=["openings", "expire"]).output.strip() == "Se marcó 1 oferta como vencida."


def test_expiry_ends_the_open_applications_tells_each_student_and_bumps_the_version(app):
    opening = factories.opening(deadline=today() - timedelta(days=1))
    waiting = [factories.student() for _ in range(3)]
    for student, state in zip(waiting, ("received", "in_review", "finalist"), strict=True):
        factories.application(opening, student, state=state)
    factories.application(opening, factories.student(), state="hired")
    factories.application(opening, factories.student(), state="withdrawn")
    version = opening.version
    assert expiry.expire_if_due(opening) is True
    assert expiry.expire_if_due(db.session.get(Opening, opening.id)) is False  # already done
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).version == version + 1
    assert sorted(db.session.execute(select(Application.state, Application.rejection_reason)).all()) == [
        ("hired", None), ("rejected", "opening_expired"), ("rejected", "opening_expired"),
        ("rejected", "opening_expired"), ("withdrawn", None)]
    told = db.session.execute(select(Notification.user_id, Notification.message, Notification.url)).all()
    assert sorted(user_id for user_id, _, _ in told) == sorted(s.id for s in waiting)
    assert all("venció y la empresa no decidió a tiempo" in message and url == "/estudiante/postulaciones"
               for _, message, url in told)
    emails = db.session.scalars(select(OutboxEmail)).all()
    assert sorted(e.to_address for e in emails) == sorted(s.email for s in waiting)
    assert all("sin que la empresa tomara una decisión" in e.body_text for e in emails)
    assert db.session.scalar(select(AuditEvent.data).where(AuditEvent.action == "opening.expired")) == {
        "applicants_told": 3}


def test_the_student_reads_why_her_application_ended(client, auth):
    opening = factories.opening(title="Electricista de planta", deadline=today() - timedelta(days=1))
    student = factories.student()
    factories.application(opening, student)
    auth.login(student)
    assert client.get(f"/ofertas/{opening.id}").status_code == 200  # read after the deadline: expired
    page = client.get("/estudiante/postulaciones").get_data(as_text=True)
    assert "Descartado/a" in page and "La empresa no decidió a tiempo" in page and "Recibida" not in page


def test_reading_a_listing_or_home_never_shows_a_past_deadline_as_open(client):
    factories.opening(title="Plazo vencido", deadline=today() - timedelta(days=1))
    for path in ("/", "/ofertas"):
        assert "Plazo vencido" not in client.get(path).get_data(as_text=True)


# The deadline day in Lima, and two instants around its end: 20:00 in Lima is already
# 01:00 UTC the next day (the date of a server in UTC); 00:01 in Lima is the next day.
DEADLINE = date(2026, 3, 10)
EVENING = datetime(2026, 3, 10, 20, 0)
AFTER_MIDNIGHT = datetime(2026, 3, 11, 0, 1)


def test_the_listing_and_the_apply_rule_agree_until_midnight_in_lima(client, frozen_clock):
    frozen_clock(EVENING)
    opening = factories.opening(title="Cierra hoy", deadline=DEADLINE, start_date=date(2026, 4, 1))
    assert "Cierra hoy" in client.get("/ofertas").get_data(as_text=True)
    assert applications.opening_obstacle(opening) is None
    assert expiry.expire_if_due(opening) is False

    frozen_clock(AFTER_MIDNIGHT)
    assert "Cierra hoy" not in client.get("/ofertas").get_data(as_text=True)
    assert applications.opening_obstacle(opening) == (
        "Esta oferta venció: su plazo para postular terminó el 10 mar. 2026.")


def test_the_opening_page_takes_applications_until_midnight_in_lima(client, auth, frozen_clock):
    frozen_clock(EVENING)
    opening = factories.opening(title="Cierra hoy", deadline=DEADLINE, start_date=date(2026, 4, 1))
    auth.login(factories.student())
    page = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert "hoy es el último día" in page
    assert 'id="apply-area"' in page and f'action="/ofertas/{opening.id}/postular"' in page
    assert "venció" not in page
    applied = client.post(f"/ofertas/{opening.id}/postular", headers=HTMX)
    assert applied.status_code == 200 and "Postulación enviada" in applied.get_data(as_text=True)

    late = factories.opening(title="Cerró ayer", deadline=DEADLINE, start_date=date(2026, 4, 1))
    frozen_clock(AFTER_MIDNIGHT)
    page = client.get(f"/ofertas/{late.id}").get_data(as_text=True)
    assert 'id="apply-area"' not in page and f'action="/ofertas/{late.id}/postular"' not in page
    assert "Su plazo para postular terminó el 10 mar. 2026." in page
    refused = client.post(f"/ofertas/{late.id}/postular", headers=HTMX)
    assert refused.status_code == 409 and "Ya no recibe postulaciones" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Application.opening_id)) == opening.id  # only the one sent in time


# --- The warning before the deadline ------------------------------------------------------

TODAY = datetime(2026, 3, 10, 9, 0)


def warnings() -> list[tuple[int, str, str]]:
    return db.session.execute(
        select(Notification.user_id, Notification.message, Notification.url)
        .where(Notification.kind == "applications-deadline").order_by(Notification.id)
    ).all()


def test_the_daily_command_warns_the_company_once_before_the_deadline(runner, frozen_clock):
    frozen_clock(TODAY)
    company = factories.company()
    owner, colleague = factories.employer(company), factories.employer(company)
    factories.employer(company, state="pending")  # not a member yet: not told
    due = factories.opening(company, title="Vence en tres días", deadline=date(2026, 3, 13), start_date=date(2026, 4, 1))
    for state in ("received", "in_review", "hired"):
        factories.application(due, factories.student(), state=state)
    later = factories.opening(company, title="Vence en cuatro días", deadline=date(2026, 3, 14), start_date=date(2026, 4, 1))
    factories.application(later, factories.student())
    decided = factories.opening(company, title="Todo decidido", deadline=date(2026, 3, 11), start_date=date(2026, 4, 1))
    factories.application(decided, factories.student(), state="withdrawn")
    version = due.version

    result = runner.invoke(args=["openings", "expire"])
    assert result.exit_code == 0, result.output
    assert "Avisamos a las empresas de 1 oferta que vence en 3 días o menos con postulaciones sin decidir." in result.output
    told = warnings()
    assert [user_id for user_id, _, _ in told] == [owner.id, colleague.id]
    message, url = told[0][1], told[0][2]
    assert message == ("El plazo de «Vence en tres días» termina el 13 mar. 2026 y 2 postulaciones siguen "
                       "sin decisión. Si no decides antes, les diremos que la empresa no decidió a tiempo; si "
                       "necesitas más tiempo, amplía la fecha límite.")
    assert url == f"/empresa/ofertas/{due.id}/postulantes"
    emails = db.session.scalars(select(OutboxEmail)).all()
    assert sorted(e.to_address for e in emails) == sorted([owner.email, colleague.email])
    assert emails[0].subject == "2 postulaciones a Vence en tres días esperan tu decisión"
    db.session.expire_all()
    assert db.session.get(Opening, due.id).version == version  # a warning does not make an open edit form stale

    frozen_clock(datetime(2026, 3, 11, 9, 0))  # the next day: the later one's turn, and only its
    assert "de 1 oferta que vence" in runner.invoke(args=["openings", "expire"]).output
    messages = [message for _, message, _ in warnings()]
    assert len(messages) == 4 and sum("«Vence en tres días»" in m for m in messages) == 2  # once per deadline
    assert "«Vence en cuatro días» termina el 14 mar. 2026 y 1 postulación sigue" in messages[-1]
    assert not any("Todo decidido" in m for m in messages)  # nobody waits there


def test_a_new_deadline_earns_a_new_warning(app, frozen_clock):
    frozen_clock(TODAY)
    company = factories.company()
    owner = factories.employer(company)
    opening = factories.opening(company, deadline=date(2026, 3, 12), start_date=date(2026, 4, 1))
    factories.application(opening, factories.student())
    assert expiry.warn_due() == 1
    assert expiry.warn_due() == 0

    data = services.data_of(opening)
    data.deadline = date(2026, 3, 20)
    services.update_opening(opening, owner, data, opening.version)
    assert expiry.warn_due() == 0  # too far away now
    frozen_clock(datetime(2026, 3, 18, 9, 0))
    assert expiry.warn_due() == 1
    assert [user_id for user_id, _, _ in warnings()] == [owner.id, owner.id]
    assert "termina el 20 mar. 2026 y 1 postulación sigue sin decisión" in warnings()[-1][1]
