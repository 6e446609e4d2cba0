"""`/ofertas/<id>`: what a person needs to decide, and the state of an opening that is over."""
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest

from portal.clock import today
from portal.extensions import db
from portal.models import Module, OpeningRequirement
from tests import factories
from tests.helpers.web import HTMX


def test_the_page_has_what_a_person_needs_to_decide(client):
    company = factories.company(legal_name="Servicios Eléctricos del Sur S.A.C.", trade_name="ElectroSur")
    opening = factories.opening(
        company, title="Técnico electricista", pay_monthly=Decimal("1500"), hours_per_day=Decimal("8"),
        hours_per_week=Decimal("48"), work_mode="hibrido", department_code="04", province_code="0401",
        district_code="040103", deadline=today() + timedelta(days=5), required_modules=1,
    )
    programme = factories.programme()
    desired = db.session.get(Module, programme.modules[-1].id)
    opening.requirements.append(OpeningRequirement(module_id=desired.id, required=False))
    opening.requirements.append(OpeningRequirement(skill="Trabajo en altura", skill_normalized="trabajo en altura",
                                                   required=False))
    opening.programmes = [programme]
    db.session.commit()

    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert "<h1 id=\"opening-title\">Técnico electricista</h1>" in html
    assert 'ElectroSur <span class="badge verified"' in html
    assert "S/\xa01,500.00 al mes" in html
    assert "8 h al día, 48 h a la semana" in html
    assert "Híbrido" in html
    assert "Cayma, Arequipa, Arequipa" in html  # district, province, department names
    assert "quedan 5 días" in html
    assert programme.modules[0].name in html and desired.name in html and "Trabajo en altura" in html
    assert "Módulos y habilidades requeridas" in html and "Deseables" in html
    assert f"<li>{programme.name}</li>" in html  # accepted programmes
    assert 'property="og:title" content="Técnico electricista · ElectroSur"' in html
    assert 'name="twitter:card"' in html and 'name="twitter:title"' in html
    url = f"http://localhost/ofertas/{opening.id}"
    assert f'href="https://wa.me/?text=T%C3%A9cnico%20electricista%20%E2%80%94%20{quote(url, safe="/")}"' in html
    assert "Ninguna empresa puede cobrarte" in html
    assert "Reportar esta oferta" in html


@pytest.mark.parametrize("days, words", [(0, "hoy es el último día"), (1, "queda 1 día"), (12, "quedan 12 días")])
def test_the_deadline_is_counted_in_days(client, days, words):
    opening = factories.opening(deadline=today() + timedelta(days=days))
    assert words in client.get(f"/ofertas/{opening.id}").get_data(as_text=True)


def test_an_opening_naming_no_programme_accepts_its_whole_family(client):
    opening = factories.opening()
    assert "Cualquier programa de la familia Electricidad y Electrónica." in client.get(
        f"/ofertas/{opening.id}").get_data(as_text=True)


def test_anonymous_visitors_are_invited_to_sign_in_to_apply(client, auth):
    opening = factories.opening()
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert '<section id="apply-area"' in html
    assert f'href="/ingresar?next=/ofertas/{opening.id}">Ingresa para postular</a>' in html
    auth.login(factories.student())
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert '<section id="apply-area"' in html and "Ingresa para postular" not in html
    assert ">Postular</button>" in html


@pytest.mark.parametrize("state, label", [("closed", "Cerrada"), ("filled", "Cubierta"), ("expired", "Vencida"),
                                          ("suspended", "Suspendida")])
def test_an_opening_that_is_over_shows_its_state_instead_of_the_apply_area(client, state, label):
    opening = factories.opening(state=state, state_reason="Cobraba por la entrevista" if state == "suspended" else None)
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert f'<span class="badge state">{label}</span>' in html
    assert "Ya no recibe postulaciones." in html
    assert 'id="apply-area"' not in html and "Ingresa para postular" not in html
    assert ("Cobraba por la entrevista" in html) == (state == "suspended")


def test_a_published_opening_past_its_deadline_expires_when_it_is_read(client):
    opening = factories.opening(deadline=today() - timedelta(days=1))
    version = opening.version
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert '<span class="badge state">Vencida</span>' in html and 'id="apply-area"' not in html
    db.session.refresh(opening)
    assert opening.state == "expired" and opening.version == version + 1


def test_a_draft_is_404_to_everyone_but_its_company(client, auth):
    company = factories.company()
    draft = factories.opening(company, state="draft")
    assert client.get(f"/ofertas/{draft.id}").status_code == 404
    assert client.get(f"/ofertas/{draft.id}", headers=HTMX).status_code == 404
    auth.login(factories.employer(company))
    assert client.get(f"/ofertas/{draft.id}").status_code == 200
