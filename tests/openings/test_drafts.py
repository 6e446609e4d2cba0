"""A draft is not a dead end: it can be published from its edit page, and deleted while
nobody has seen it. Closing with nobody waiting says so."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, Opening, OpeningRequirement
from tests import factories
from tests.helpers.events import toast
from tests.helpers.web import HTMX


@pytest.fixture
def employer(app):
    return factories.employer(factories.company(verified=True))


def form_data(opening: Opening, **changes) -> dict:
    programme = factories.programme()
    data = {
        "title": opening.title, "description": "Instalaciones domiciliarias en Arequipa.",
        "kind": "empleo", "family_id": str(programme.family_id), "programme_ids": [str(programme.id)],
        "required_module_ids": [str(programme.modules[0].id)], "department_code": "04",
        "province_code": "0401", "district_code": "040101", "work_mode": "presencial",
        "hours_per_day": "8", "hours_per_week": "48", "pay_monthly": "1500", "vacancies": "2",
        "start_date": (clock.today() + timedelta(days=30)).isoformat(),
        "deadline": (clock.today() + timedelta(days=15)).isoformat(), "targets_all_cetpros": "1",
        "version": str(opening.version),
    }
    data.update(changes)
    return data


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- Publishing from the edit page ----------------------------------------------------------


def test_a_drafts_edit_page_offers_publicar_and_a_published_ones_does_not(client, auth, employer):
    draft = factories.opening(employer.membership.company, state="draft")
    published = factories.opening(employer.membership.company)
    auth.login(employer)
    page = client.get(f"/empresa/ofertas/{draft.id}/editar").get_data(as_text=True)
    assert '<button type="submit" name="publicar" value="1">Publicar</button>' in page
    assert "Guardar cambios" in page
    assert f'href="/empresa/ofertas/{draft.id}/eliminar"' in page
    page = client.get(f"/empresa/ofertas/{published.id}/editar").get_data(as_text=True)
    assert 'name="publicar"' not in page and "/eliminar" not in page and "Guardar cambios" in page


def test_publicar_saves_the_edit_and_publishes_it(client, auth, employer):
    draft = factories.opening(employer.membership.company, state="draft", title="Borrador")
    auth.login(employer)
    response = client.post(f"/empresa/ofertas/{draft.id}/editar",
                           data=form_data(draft, title="Electricista de obra", publicar="1"))
    assert response.status_code == 303 and response.headers["Location"] == f"/ofertas/{draft.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Publicaste la oferta. Ya aparece en el buscador." in page
    db.session.expire_all()
    opening = db.session.get(Opening, draft.id)
    assert (opening.state, opening.title) == ("published", "Electricista de obra")
    assert opening.published_at is not None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == draft.id)).all()
    assert actions == ["opening.updated", "opening.published"]
    assert "Electricista de obra" in client.get("/ofertas").get_data(as_text=True)


def test_guardar_cambios_keeps_a_draft_a_draft(client, auth, employer):
    draft = factories.opening(employer.membership.company, state="draft")
    auth.login(employer)
    response = client.post(f"/empresa/ofertas/{draft.id}/editar", data=form_data(draft, title="Otro título"))
    assert response.headers["Location"] == f"/empresa/ofertas/{draft.id}/editar"
    db.session.expire_all()
    assert db.session.get(Opening, draft.id).state == "draft"


def test_publicar_with_a_problem_saves_nothing_and_says_why(client, auth, employer):
    draft = factories.opening(employer.membership.company, state="draft", title="Borrador")
    auth.login(employer)
    response = client.post(f"/empresa/ofertas/{draft.id}/editar",
                           data=form_data(draft, title="Nuevo título", hours_per_day="9", publicar="1"))
    assert response.status_code == 422
    assert "como máximo 8 horas diarias" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Opening, draft.id).state, db.session.get(Opening, draft.id).title) == ("draft", "Borrador")


def test_an_unverified_company_cannot_publish_from_the_edit_page_and_nothing_is_saved(client, auth):
    company = factories.company(verified=False)
    employer = factories.employer(company)
    draft = factories.opening(company, state="draft", title="Borrador")
    auth.login(employer)
    assert 'name="publicar"' not in client.get(f"/empresa/ofertas/{draft.id}/editar").get_data(as_text=True)
    response = client.post(f"/empresa/ofertas/{draft.id}/editar",
                           data=form_data(draft, title="Nuevo título", publicar="1"))
    assert response.status_code == 422 and "aún no está verificada" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Opening, draft.id).state, db.session.get(Opening, draft.id).title) == ("draft", "Borrador")


# --- Deleting a draft ----------------------------------------------------------------------


def test_a_draft_is_deleted_after_a_confirmation_page(client, auth, employer):
    draft_id = factories.opening(employer.membership.company, state="draft", title="Borrador de prueba").id
    auth.login(employer)
    row = client.get("/empresa").get_data(as_text=True)
    assert f'href="/empresa/ofertas/{draft_id}/eliminar"' in row

    confirm = client.get(f"/empresa/ofertas/{draft_id}/eliminar")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "¿Eliminar el borrador «Borrador de prueba»?" in html
    assert f'<form method="post" action="/empresa/ofertas/{draft_id}/eliminar"' in html
    assert count(Opening) == 1  # asking deletes nothing

    response = client.post(f"/empresa/ofertas/{draft_id}/eliminar")
    assert response.status_code == 303 and response.headers["Location"] == "/empresa"
    assert "Eliminaste el borrador «Borrador de prueba»." in client.get("/empresa").get_data(as_text=True)
    assert count(Opening) == 0 and count(OpeningRequirement) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "opening.deleted"))
    assert (event.object_id, event.actor_id, event.data) == (draft_id, employer.id, {"title": "Borrador de prueba"})


def test_an_opening_that_was_published_is_never_deleted(client, auth, employer):
    company = employer.membership.company
    published = factories.opening(company)
    factories.application(published, factories.student())
    closed = factories.opening(company, state="closed")
    auth.login(employer)
    for opening in (published, closed):
        page = client.get(f"/empresa/ofertas/{opening.id}/eliminar").get_data(as_text=True)
        assert "Solo se puede eliminar un borrador" in page and 'method="post"' not in page.split("<main")[-1]
        refused = client.post(f"/empresa/ofertas/{opening.id}/eliminar", headers=HTMX)
        assert refused.status_code == 204 and "Solo se puede eliminar un borrador" in toast(refused)
        assert client.post(f"/empresa/ofertas/{opening.id}/eliminar").status_code == 303
    assert count(Opening) == 2


def test_another_companys_draft_cannot_be_deleted(client, auth, employer):
    draft = factories.opening(factories.company(), state="draft")
    auth.login(employer)
    assert client.get(f"/empresa/ofertas/{draft.id}/eliminar").status_code == 404
    assert client.post(f"/empresa/ofertas/{draft.id}/eliminar").status_code == 404
    assert count(Opening) == 1


def test_deleting_needs_the_csrf_token(client, auth, employer):
    draft = factories.opening(employer.membership.company, state="draft")
    auth.login(employer)
    assert client.post(f"/empresa/ofertas/{draft.id}/eliminar", csrf=False).status_code == 400
    assert count(Opening) == 1


# --- Closing with nobody waiting -----------------------------------------------------------


@pytest.mark.parametrize("action, done", [("cerrar", "Cerraste la oferta"), ("cubrir", "Marcaste la oferta como cubierta")])
def test_closing_with_no_open_application_says_so(client, auth, employer, action, done):
    opening = factories.opening(employer.membership.company)
    factories.application(opening, factories.student(), "withdrawn")
    auth.login(employer)
    response = client.post(f"/empresa/ofertas/{opening.id}/{action}", headers=HTMX)
    assert toast(response) == f"{done}. No había postulaciones abiertas."
    other = factories.opening(employer.membership.company)
    client.post(f"/empresa/ofertas/{other.id}/{action}")
    page = client.get("/empresa").get_data(as_text=True)
    assert f"{done}. No había postulaciones abiertas." in page and "Avisamos a 0" not in page
