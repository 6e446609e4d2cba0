"""Deadlines expire openings: by `flask openings expire` (cron) and whenever they are read."""
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.applications import services as applications
from portal.clock import today
from portal.extensions import db
from portal.models import Application, Opening
from portal.openings import expiry
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


def test_expiry_keeps_the_applications_and_bumps_the_version(app):
    opening = factories.opening(deadline=today() - timedelta(days=1))
    factories.application(opening, factories.student(), state="in_review")
    version = opening.version
    assert expiry.expire_if_due(opening) is True
    assert expiry.expire_if_due(db.session.get(Opening, opening.id)) is False  # already done
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).version == version + 1
    assert db.session.scalar(select(Application.state)) == "in_review"


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
        "Esta oferta venció: su plazo para postular terminó el 10/03/2026.")


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
    assert "Su plazo para postular terminó el 10 de marzo de 2026." in page
    refused = client.post(f"/ofertas/{late.id}/postular", headers=HTMX)
    assert refused.status_code == 409 and "Ya no recibe postulaciones" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Application.opening_id)) == opening.id  # only the one sent in time
