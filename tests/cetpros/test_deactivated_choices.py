"""A deactivated CETPRO disappears from the choices of an opening's targeting: a new opening
cannot target it (even with a hand-made form), while an opening that already targeted it
keeps it on its record."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.cetpros import services
from portal.extensions import db
from portal.models import Opening
from tests import factories


@pytest.fixture
def employer(app):
    return factories.employer(factories.company(verified=True))


def form_data(**changes):
    programme = factories.programme()
    base = {
        "title": "Practicante electricista", "description": "Instalaciones domiciliarias en Arequipa.",
        "kind": "empleo", "family_id": str(programme.family_id), "programme_ids": [str(programme.id)],
        "department_code": "04", "province_code": "0401", "work_mode": "presencial",
        "hours_per_day": "8", "hours_per_week": "48", "pay_monthly": "1500", "vacancies": "1",
        "start_date": (clock.today() + timedelta(days=30)).isoformat(),
        "deadline": (clock.today() + timedelta(days=15)).isoformat(), "targets_all_cetpros": "0",
    }
    base.update(changes)
    return base


def test_an_opening_cannot_target_a_deactivated_cetpro(client, auth, employer):
    open_one = factories.cetpro(name="CETPRO Abierto")
    closed = factories.cetpro(name="CETPRO Cerrado")
    services.set_active(closed, False, factories.admin())
    auth.login(employer)
    page = client.get("/empresa/ofertas/nueva").get_data(as_text=True)
    assert "CETPRO Abierto" in page and "CETPRO Cerrado" not in page
    response = client.post("/empresa/ofertas/nueva", data=form_data(cetpro_ids=[str(closed.id)]))
    assert response.status_code == 422 and "uno de los elegidos ya no está activo" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Opening)) == 0
    response = client.post("/empresa/ofertas/nueva", data=form_data(cetpro_ids=[str(open_one.id)]))
    assert response.status_code == 303


def test_an_opening_keeps_a_target_deactivated_since(client, auth, employer):
    cetpro = factories.cetpro(name="CETPRO Cerrado Después")
    auth.login(employer)
    assert client.post("/empresa/ofertas/nueva", data=form_data(cetpro_ids=[str(cetpro.id)])).status_code == 303
    opening = db.session.scalar(select(Opening))
    services.set_active(cetpro, False, factories.admin())
    page = client.get(f"/empresa/ofertas/{opening.id}/editar").get_data(as_text=True)
    assert "CETPRO Cerrado Después (Arequipa) · desactivado" in page
    response = client.post(f"/empresa/ofertas/{opening.id}/editar",
                           data=form_data(cetpro_ids=[str(cetpro.id)], title="Practicante electricista II",
                                          version=str(opening.version)))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert opening.title == "Practicante electricista II" and [c.name for c in opening.cetpros] == [
        "CETPRO Cerrado Después"]
