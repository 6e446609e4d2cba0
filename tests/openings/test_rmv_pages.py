"""/admin/rmv: the table (page and fragment), adding a rate in two steps (preview, confirm)
with and without htmx, Spanish errors that change nothing, correcting and withdrawing a
future rate, and the employer's minimum-pay hint reading the same rule."""
import html
import json
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Notification, RmvRate
from tests import factories

NEW = {"effective_from": "2026-05-01", "amount": "1200", "legal_basis": "D.S. 001-2026-TR"}
PREPRO = dict(kind="practicas_preprofesionales", hours_per_day=D(6), hours_per_week=D(30))


@pytest.fixture
def admin(app, auth, frozen_clock):
    frozen_clock(datetime(2026, 3, 1, 12, 0))
    user = factories.admin()
    auth.login(user)
    return user


def rates() -> int:
    return db.session.scalar(select(func.count()).select_from(RmvRate))


def notice(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_page_shows_every_rate_and_the_one_in_force(client, admin):
    db.session.add(RmvRate(effective_from=date(2026, 5, 1), amount=D("1200"), legal_basis="D.S. 001-2026-TR"))
    db.session.commit()
    response = client.get("/admin/rmv")
    page = text(response)
    assert response.status_code == 200 and "<html" in page
    assert "Hoy rige una RMV de <strong>S/\xa01,130.00</strong>, desde el 1 ene. 2025 (D.S. 006-2024-TR)" in page
    for words in ("1 may. 2026", "Programada", "Vigente", "Anterior", "S/\xa0930.00", "D.S. 003-2022-TR"):
        assert words in page
    assert page.count("Corregir<span") == 1 and page.count("Retirar<span") == 1  # only the future rate
    assert 'action="/admin/rmv"' in page


def test_the_fragment_is_the_table_and_form_alone(client, admin, htmx_headers):
    response = client.get("/admin/rmv", headers=htmx_headers)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith("<div id=\"rmv\">") and "Registrar una nueva RMV" in page
    assert "HX-Request" in response.headers["Vary"]


def test_the_dashboard_links_to_the_table(client, admin):
    assert 'href="/admin/rmv"' in client.get("/admin").get_data(as_text=True)


def test_reviewing_shows_the_openings_below_and_saves_nothing(client, admin, htmx_headers):
    company = factories.company(legal_name="Eléctrica Andina S.A.C.")
    factories.employer(company)
    factories.opening(company, title="Practicante de tableros", pay_monthly=D("1130"),
                      start_date=date(2026, 5, 1), **PREPRO)
    response = client.post("/admin/rmv", data=dict(NEW), headers=htmx_headers)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert "Antes de confirmar: S/\xa01,200.00 desde el 1 may. 2026" in page
    assert "1 oferta publicada quedaría por debajo" in page
    assert "Practicante de tableros" in page and "Eléctrica Andina S.A.C." in page
    assert 'name="paso" value="confirmar"' in page and 'value="2026-05-01"' in page
    assert rates() == 3 and db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_confirming_saves_the_rate_tells_employers_and_answers_the_fragment(client, admin, htmx_headers):
    company = factories.company()
    owner = factories.employer(company)
    factories.opening(company, pay_monthly=D("1130"), start_date=date(2026, 5, 1), **PREPRO)
    response = client.post("/admin/rmv", data={**NEW, "paso": "confirmar"}, headers=htmx_headers)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert "Programada" in page
    assert "Avisamos a 1 empresa" in notice(response)
    assert rates() == 4
    assert db.session.scalar(select(Notification.user_id)) == owner.id
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "RmvRate")) == "rmv.added"


def test_without_javascript_the_two_steps_end_in_a_303(client, admin):
    preview = client.post("/admin/rmv", data=dict(NEW))
    assert preview.status_code == 200 and "<html" in text(preview) and "Antes de confirmar" in text(preview)
    done = client.post("/admin/rmv", data={**NEW, "paso": "confirmar"})
    assert done.status_code == 303 and done.headers["Location"] == "/admin/rmv"
    page = text(client.get("/admin/rmv"))
    assert "Registraste la RMV de S/\xa01,200.00 desde el 1 may. 2026." in page
    assert "Ninguna oferta publicada queda por debajo" in page


@pytest.mark.parametrize(("form", "words"), [
    ({**NEW, "effective_from": "2026-03-01"}, "Elige una fecha desde mañana (2 mar. 2026)"),
    ({**NEW, "effective_from": "2025-01-01"}, "Una RMV ya vigente no se cambia"),
    ({**NEW, "effective_from": "ayer"}, "Esa fecha no es válida"),
    ({**NEW, "effective_from": ""}, "Escribe la fecha desde la que rige"),
    ({**NEW, "amount": "mil"}, "Escribe el monto mensual en soles"),
    ({**NEW, "amount": "NaN"}, "Escribe el monto mensual en soles"),
    ({**NEW, "amount": "-1200"}, "mayor que cero"),
    ({**NEW, "amount": "113"}, "La RMV no baja"),
    ({**NEW, "legal_basis": "x" * 121}, "Máximo 120 caracteres"),
])
@pytest.mark.parametrize("step", ["revisar", "confirmar"])
def test_bad_input_is_refused_in_spanish_and_changes_nothing(client, admin, htmx_headers, form, words, step):
    response = client.post("/admin/rmv", data={**form, "paso": step}, headers=htmx_headers)
    assert response.status_code == 422
    assert words in text(response) and "Corrige este dato" in text(response)
    assert rates() == 3
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_future_rate_is_corrected_through_the_same_two_steps(client, admin):
    planned = RmvRate(effective_from=date(2026, 5, 1), amount=D("1150"), legal_basis="")
    db.session.add(planned)
    db.session.commit()
    form = text(client.get(f"/admin/rmv?corregir={planned.id}"))
    assert "Corregir la RMV programada desde el 1 may. 2026" in form and 'value="1150.00"' in form
    url = f"/admin/rmv/{planned.id}/corregir"
    assert "Antes de confirmar: S/\xa01,200.00" in text(client.post(url, data=dict(NEW)))
    assert client.post(url, data={**NEW, "paso": "confirmar"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(RmvRate, planned.id).amount == D("1200.00") and rates() == 4


def test_a_rate_in_force_cannot_be_corrected_or_withdrawn(client, admin, htmx_headers):
    current = db.session.scalar(select(RmvRate).where(RmvRate.effective_from == date(2025, 1, 1)))
    response = client.get(f"/admin/rmv?corregir={current.id}")
    assert response.status_code == 303
    assert "ya está vigente" in text(client.get("/admin/rmv"))
    assert client.post(f"/admin/rmv/{current.id}/corregir", data={**NEW, "paso": "confirmar"}).status_code == 303
    response = client.post(f"/admin/rmv/{current.id}/retirar", headers=htmx_headers)
    assert response.status_code == 204 and "ya está vigente" in notice(response)
    assert client.post("/admin/rmv/999999/retirar").status_code == 303
    db.session.expire_all()
    assert db.session.get(RmvRate, current.id).amount == D("1130.00") and rates() == 3


def test_withdrawing_a_future_rate_in_place(client, admin, htmx_headers):
    planned = RmvRate(effective_from=date(2026, 5, 1), amount=D("1200"), legal_basis="")
    db.session.add(planned)
    db.session.commit()
    response = client.post(f"/admin/rmv/{planned.id}/retirar", headers=htmx_headers)
    assert response.status_code == 200 and "Programada" not in text(response)
    assert rates() == 3


def test_without_csrf_nothing_is_added(client, admin):
    response = client.post("/admin/rmv", data={**NEW, "paso": "confirmar"}, csrf=False)
    assert response.status_code in (400, 422) and rates() == 3


@pytest.mark.parametrize(("start", "amount"), [("2026-04-30", "1,130.00"), ("2026-05-01", "1,200.00"),
                                                ("2026-05-02", "1,200.00")])
def test_the_employer_hint_reads_the_rate_of_the_start_date(client, auth, frozen_clock, start, amount):
    frozen_clock(datetime(2026, 3, 1, 12, 0))
    db.session.add(RmvRate(effective_from=date(2026, 5, 1), amount=D("1200"), legal_basis=""))
    db.session.commit()
    auth.login(factories.employer())
    response = client.get(f"/empresa/ofertas/minimo?kind=practicas_preprofesionales&hours_per_week=30"
                          f"&start_date={start}")
    assert f"<strong>S/\xa0{amount}</strong>" in text(response)
