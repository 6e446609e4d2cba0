"""The employer's opening form and dashboard actions, as page and as htmx fragment."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Opening
from tests import factories
from tests.helpers.events import toast


@pytest.fixture
def employer(app):
    company = factories.company(verified=True)
    return factories.employer(company)


def form_data(**changes):
    programme = factories.programme()
    base = {
        "title": "Practicante electricista", "description": "Instalaciones domiciliarias en Arequipa.",
        "kind": "practicas_profesionales", "family_id": str(programme.family_id),
        "programme_ids": [str(programme.id)], "required_module_ids": [str(programme.modules[0].id)],
        "required_skills": "trabajo en altura, licencia A-I", "department_code": "04",
        "province_code": "0401", "district_code": "040101", "work_mode": "presencial",
        "hours_per_day": "8", "hours_per_week": "48", "pay_monthly": "1130", "vacancies": "2",
        "start_date": (clock.today() + timedelta(days=30)).isoformat(),
        "deadline": (clock.today() + timedelta(days=15)).isoformat(), "targets_all_cetpros": "1",
    }
    base.update(changes)
    return base


def openings_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Opening))


def test_new_opening_form_renders_for_employer(client, auth, employer):
    auth.login(employer)
    page = client.get("/empresa/ofertas/nueva")
    assert page.status_code == 200
    assert b"Nueva oferta" in page.data and b'id="opening-form"' in page.data


def test_create_draft_then_edit_page(client, auth, employer):
    auth.login(employer)
    response = client.post("/empresa/ofertas/nueva", data=form_data())
    assert response.status_code == 303
    opening = db.session.scalar(select(Opening))
    assert opening.state == "draft" and opening.district_code == "040101"
    assert response.headers["Location"] == f"/empresa/ofertas/{opening.id}/editar"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Practicante electricista"' in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"hours_per_day": "9"}, "como máximo 8 horas diarias (Ley 28518); pusiste 9."),
        ({"kind": "practicas_preprofesionales", "hours_per_day": "6", "hours_per_week": "36"}, "como máximo 30 horas semanales"),
        ({"pay_monthly": ""}, "El mínimo para este horario es S/\xa01,130.00"),
        ({"pay_monthly": "1000"}, "La subvención no puede ser menor de S/\xa01,130.00"),
        ({"deadline": (clock.today() - timedelta(days=1)).isoformat()}, "La fecha límite para postular ya pasó"),
        ({"title": ""}, "Escribe un título."),
        ({"hours_per_day": "muchas"}, "Escribe un número"),
        ({"targets_all_cetpros": "0"}, "Elige al menos un CETPRO"),
    ],
)
def test_bad_input_gets_422_with_spanish_message_and_saves_nothing(client, auth, employer, changes, message):
    auth.login(employer)
    response = client.post("/empresa/ofertas/nueva", data=form_data(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'value="Practicante electricista"' in response.get_data(as_text=True) or "title" in changes
    assert openings_count() == 0


def test_the_error_summary_names_each_field_and_links_to_it(client, auth, employer, htmx_headers):
    """It said "1 dato necesita corrección" without naming the field, ~1,700 px above it."""
    auth.login(employer)
    for headers in ({}, htmx_headers):
        response = client.post("/empresa/ofertas/nueva", data=form_data(hours_per_week="100", pay_monthly="mucho"),
                               headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        summary = re.search(r'<section class="notice error error-summary" role="alert" tabindex="-1" autofocus>'
                            r'(.*?)</section>', html, re.S)
        assert summary, html
        assert re.findall(r'<a href="#([a-z_]+)">([^<]*)</a>', summary[1]) == [
            ("hours_per_week", "Horas a la semana: Entre 1 y 84 horas."),
            ("pay_monthly", "Pago mensual (S/): Escribe un número (por ejemplo 6 o 7.5)."),
        ]
        assert "Corrige estos 2 datos" in summary[1]
        assert 'id="hours_per_week"' in html and 'id="pay_monthly"' in html  # what the links point at
        assert html.count("autofocus") == 1


SPECIAL_NUMBERS = ["NaN", "sNaN", "Infinity", "-Infinity", "1e999"]


@pytest.mark.parametrize("name", ["hours_per_day", "hours_per_week", "pay_monthly"])
def test_special_numbers_get_a_spanish_message_not_a_500(client, auth, employer, htmx_headers, name):
    """Decimal() reads "NaN" and "Infinity": every comparison with them raised InvalidOperation."""
    auth.login(employer)
    for value in SPECIAL_NUMBERS:
        for headers in ({}, htmx_headers):
            response = client.post("/empresa/ofertas/nueva", data=form_data(**{name: value}), headers=headers)
            assert response.status_code == 422, (value, response.status_code)
            assert "Escribe un número" in response.get_data(as_text=True)
    assert openings_count() == 0


def test_full_width_digits_are_read_as_digits(client, auth, employer):
    auth.login(employer)
    response = client.post("/empresa/ofertas/nueva", data=form_data(hours_per_day="８", pay_monthly="１１３０"))
    assert response.status_code == 303
    opening = db.session.scalar(select(Opening))
    assert opening.hours_per_day == 8 and opening.pay_monthly == 1130


def test_form_fragment_for_htmx(client, auth, employer, htmx_headers):
    auth.login(employer)
    response = client.post("/empresa/ofertas/nueva", data=form_data(hours_per_day="9"), headers=htmx_headers)
    assert response.status_code == 422
    assert response.data.lstrip().startswith(b'<form id="opening-form"')


def test_legal_minimum_fragment_follows_the_hours(client, auth, employer, htmx_headers):
    auth.login(employer)
    response = client.get("/empresa/ofertas/minimo", headers=htmx_headers,
                          query_string={"kind": "practicas_preprofesionales", "hours_per_week": "15",
                                        "start_date": "2026-12-01"})
    text = response.get_data(as_text=True)
    assert 'id="legal-minimum"' in text and "S/\xa0565.00" in text and "6 h al día y 30 h" in text
    weird = client.get("/empresa/ofertas/minimo", headers=htmx_headers, query_string={"kind": "x", "hours_per_week": "nan"})
    assert weird.status_code == 200


def test_requirement_fields_follow_the_family(client, auth, employer, htmx_headers):
    auth.login(employer)
    programme = factories.programme("Electricidad")
    response = client.get("/empresa/ofertas/campos", query_string={"family_id": programme.family_id}, headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert 'id="opening-requirements"' in text and programme.modules[0].name in text


def test_stale_edit_is_refused_with_the_current_version(client, auth, employer):
    auth.login(employer)
    client.post("/empresa/ofertas/nueva", data=form_data())
    opening = db.session.scalar(select(Opening))
    url = f"/empresa/ofertas/{opening.id}/editar"
    loaded_version = str(opening.version)  # both people opened the form at this version
    first = client.post(url, data=form_data(title="Cambio de Ana", version=loaded_version))
    assert first.status_code == 303
    second = client.post(url, data=form_data(title="Cambio de Beto", version=loaded_version))
    assert second.status_code == 409
    text = second.get_data(as_text=True)
    assert "Alguien modificó esta oferta" in text and 'value="Cambio de Ana"' in text
    db.session.refresh(opening)
    assert opening.title == "Cambio de Ana"


def test_other_company_cannot_see_or_edit_an_opening(client, auth, employer):
    draft = factories.opening(factories.company(), state="draft")
    auth.login(employer)
    assert client.get(f"/empresa/ofertas/{draft.id}/editar").status_code == 404
    assert client.post(f"/empresa/ofertas/{draft.id}/editar", data=form_data()).status_code == 404
    assert client.post(f"/empresa/ofertas/{draft.id}/publicar").status_code == 404
    db.session.refresh(draft)
    assert draft.state == "draft"


@pytest.mark.parametrize("make", [None, factories.student, factories.coordinator])
def test_non_employers_are_kept_out(client, auth, make):
    if make:
        auth.login(make())
    response = client.get("/empresa/ofertas/nueva")
    assert response.status_code == (302 if make is None else 403)


def test_publish_in_place_updates_row_and_counts(client, auth, employer, htmx_headers):
    auth.login(employer)
    client.post("/empresa/ofertas/nueva", data=form_data())
    opening = db.session.scalar(select(Opening))
    response = client.post(f"/empresa/ofertas/{opening.id}/publicar", headers=htmx_headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith(f'<li id="opening-row-{opening.id}"')
    assert "Publicada" in text and '<hx-partial hx-target="#opening-summary"' in text
    assert "<b>1</b>Publicada" in text
    assert "Publicaste la oferta" in toast(response)


def test_publish_without_javascript_redirects(client, auth, employer):
    auth.login(employer)
    client.post("/empresa/ofertas/nueva", data=form_data())
    opening = db.session.scalar(select(Opening))
    response = client.post(f"/empresa/ofertas/{opening.id}/publicar")
    assert response.status_code == 303 and response.headers["Location"] == "/empresa"
    assert b"Publicaste la oferta" in client.get("/empresa").data


def test_unverified_company_sees_why_it_cannot_publish(client, auth, htmx_headers):
    company = factories.company(verified=False)
    auth.login(factories.employer(company))
    draft = factories.opening(company, state="draft")
    response = client.post(f"/empresa/ofertas/{draft.id}/publicar", headers=htmx_headers)
    assert response.status_code == 409
    assert "aún no está verificada" in response.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.state == "draft"


def test_close_tells_applicants_and_updates_counts(client, auth, employer, htmx_headers):
    opening = factories.opening(employer.membership.company)
    factories.application(opening, factories.student(), "in_review")
    auth.login(employer)
    response = client.post(f"/empresa/ofertas/{opening.id}/cerrar", headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert "Cerrada" in text and "<b>1</b>Descartado/a" in text
    assert "Avisamos a 1 postulante" in toast(response)


def test_state_change_without_csrf_is_refused(client, auth, employer):
    opening = factories.opening(employer.membership.company)
    auth.login(employer)
    assert client.post(f"/empresa/ofertas/{opening.id}/cerrar", csrf=False).status_code == 400
    db.session.refresh(opening)
    assert opening.state == "published"


def test_duplicate_opens_the_copy(client, auth, employer):
    opening = factories.opening(employer.membership.company)
    auth.login(employer)
    response = client.post(f"/empresa/ofertas/{opening.id}/duplicar")
    assert response.status_code == 303
    assert openings_count() == 2


def test_place_fields_follow_the_department(client, htmx_headers):
    response = client.get("/lugares", query_string={"department_code": "12", "province_code": "1501"}, headers=htmx_headers)
    text = response.get_data(as_text=True)
    assert "Huancayo" in text and "Miraflores" not in text
