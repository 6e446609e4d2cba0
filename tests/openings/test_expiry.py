"""Deadlines expire openings: by `flask openings expire` (cron) and whenever they are read."""
from datetime import UTC, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Application, Opening
from portal.openings import expiry
from portal.openings.expiry import today
from tests import factories


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


def test_today_is_peruvian(app, monkeypatch):
    from datetime import datetime

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # 02:00 UTC on 2 March is still 1 March in Lima (UTC-5)
            return datetime(2026, 3, 2, 2, 0, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(expiry, "datetime", Clock)
    assert expiry.today().isoformat() == "2026-03-01"


def test_reading_a_listing_or_home_never_shows_a_past_deadline_as_open(client):
    factories.opening(title="Plazo vencido", deadline=today() - timedelta(days=1))
    for path in ("/", "/ofertas"):
        assert "Plazo vencido" not in client.get(path).get_data(as_text=True)
