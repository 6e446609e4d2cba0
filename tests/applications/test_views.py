"""Apply/withdraw in place, the student's list and the employer's pipeline, page and fragment."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Application, Placement
from tests import factories
from tests.helpers.events import events, toast


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(app):
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company, title="Electricista de obra")
    student = factories.student()
    return {"company": company, "employer": employer, "opening": opening, "student": student}


def test_anonymous_apply_goes_to_login_and_back_to_the_opening(client, world):
    response = client.post(f"/ofertas/{world['opening'].id}/postular")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/ingresar?next=/ofertas/{world['opening'].id}"


def test_apply_in_place_then_again_gives_the_same_answer(client, auth, world, htmx_headers):
    auth.login(world["student"])
    url = f"/ofertas/{world['opening'].id}/postular"
    first = client.post(url, headers=htmx_headers, data={"message": "Hola"})
    assert first.status_code == 200
    text = first.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="apply-area"') and "Postulación enviada" in text
    assert "Postulación enviada" in toast(first)
    again = client.post(url, headers=htmx_headers)
    assert "Postulación enviada" in again.get_data(as_text=True)
    assert count(Application) == 1


def test_apply_without_javascript_redirects_to_the_opening(client, auth, world):
    auth.login(world["student"])
    response = client.post(f"/ofertas/{world['opening'].id}/postular")
    assert response.status_code == 303 and response.headers["Location"] == f"/ofertas/{world['opening'].id}"


def test_apply_to_closed_opening_is_refused_with_409(client, auth, world, htmx_headers):
    closed = factories.opening(world["company"], state="closed")
    auth.login(world["student"])
    response = client.post(f"/ofertas/{closed.id}/postular", headers=htmx_headers)
    assert response.status_code == 409
    assert "Ya no recibe postulaciones" in response.get_data(as_text=True)
    assert count(Application) == 0


def test_apply_to_draft_is_404_and_employers_cannot_apply(client, auth, world):
    draft = factories.opening(world["company"], state="draft")
    auth.login(world["student"])
    assert client.post(f"/ofertas/{draft.id}/postular").status_code == 404
    auth.logout()
    auth.login(world["employer"])
    assert client.post(f"/ofertas/{world['opening'].id}/postular").status_code == 403


def test_apply_without_csrf_changes_nothing(client, auth, world):
    auth.login(world["student"])
    assert client.post(f"/ofertas/{world['opening'].id}/postular", csrf=False).status_code == 400
    assert count(Application) == 0


def test_withdraw_in_place(client, auth, world, htmx_headers):
    factories.application(world["opening"], world["student"])
    auth.login(world["student"])
    response = client.post(f"/ofertas/{world['opening'].id}/retirar", headers=htmx_headers)
    assert "Retiraste tu postulación" in response.get_data(as_text=True)


def test_student_sees_only_own_applications(client, auth, world, htmx_headers):
    factories.application(world["opening"], world["student"], "finalist")
    other_opening = factories.opening(title="Oferta de otra persona")
    factories.application(other_opening, factories.student())
    auth.login(world["student"])
    page = client.get("/estudiante/postulaciones").get_data(as_text=True)
    assert "Electricista de obra" in page and "Finalista" in page
    assert "Oferta de otra persona" not in page
    fragment = client.get("/estudiante/postulaciones", headers=htmx_headers)
    assert fragment.data.lstrip().startswith(b'<section id="my-applications"')


def test_pipeline_page_fragment_and_tenant(client, auth, world, htmx_headers):
    factories.application(world["opening"], world["student"])
    auth.login(world["employer"])
    url = f"/empresa/ofertas/{world['opening'].id}/postulantes"
    page = client.get(url)
    assert page.status_code == 200 and world["student"].first_names.encode() in page.data
    fragment = client.get(url, headers=htmx_headers, query_string={"estado": "finalist"})
    assert fragment.data.lstrip().startswith(b'<section id="pipeline"')
    assert world["student"].first_names.encode() not in fragment.data
    auth.logout()
    auth.login(factories.employer())  # another company
    assert client.get(url).status_code == 404


def test_opening_an_applicant_marks_it_viewed(client, auth, world):
    application = factories.application(world["opening"], world["student"])
    auth.login(world["employer"])
    assert client.get(f"/empresa/postulaciones/{application.id}").status_code == 200
    db.session.refresh(application)
    assert application.state == "viewed"


def move(client, application, to_state, version=None, **extra):
    data = {"to_state": to_state, "version": str(version if version is not None else application.version), **extra}
    return client.post(f"/empresa/postulaciones/{application.id}/estado", data=data,
                       headers={"HX-Request": "true", "HX-Request-Type": "partial"})


def test_move_in_place_updates_row_and_counts(client, auth, world):
    application = factories.application(world["opening"], world["student"], "in_review")
    auth.login(world["employer"])
    response = move(client, application, "finalist")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.lstrip().startswith(f'<li id="application-{application.id}"')
    assert '<hx-partial hx-target="#pipeline-counts"' in text and "Finalista <b>1</b>" in text
    assert "notifications-changed" in events(response)


def test_second_employer_with_a_stale_row_gets_409_and_the_current_state(client, auth, world):
    application = factories.application(world["opening"], world["student"], "in_review")
    seen = application.version
    auth.login(world["employer"])
    assert move(client, application, "finalist", seen).status_code == 200
    response = move(client, application, "rejected", seen, reason="schedule")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Otra persona cambió esta postulación" in text and "Finalista" in text
    db.session.refresh(application)
    assert application.state == "finalist"


def test_transition_not_in_table_is_409(client, auth, world):
    application = factories.application(world["opening"], world["student"], "received")
    auth.login(world["employer"])
    response = move(client, application, "hired", start_date=clock.today().isoformat())
    assert response.status_code == 409 and "no puede pasar a" in response.get_data(as_text=True)


def test_reject_without_reason_is_422(client, auth, world):
    application = factories.application(world["opening"], world["student"], "received")
    auth.login(world["employer"])
    response = move(client, application, "rejected")
    assert response.status_code == 422 and "Elige el motivo" in response.get_data(as_text=True)


def test_hire_in_place_creates_placement(client, auth, world):
    application = factories.application(world["opening"], world["student"], "finalist")
    auth.login(world["employer"])
    response = move(client, application, "hired", start_date=(clock.today() + timedelta(days=3)).isoformat())
    assert response.status_code == 200 and "Seleccionado/a" in response.get_data(as_text=True)
    assert count(Placement) == 1


def test_move_without_javascript_redirects_back(client, auth, world):
    application = factories.application(world["opening"], world["student"], "received")
    auth.login(world["employer"])
    response = client.post(f"/empresa/postulaciones/{application.id}/estado",
                           data={"to_state": "in_review", "version": str(application.version)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/empresa/ofertas/{world['opening'].id}/postulantes"


def test_other_company_cannot_move_an_applicant(client, auth, world):
    application = factories.application(world["opening"], world["student"])
    auth.login(factories.employer())
    assert move(client, application, "in_review").status_code == 404


def test_bulk_move(client, auth, world, htmx_headers):
    a = factories.application(world["opening"], world["student"])
    b = factories.application(world["opening"], factories.student())
    auth.login(world["employer"])
    response = client.post(f"/empresa/ofertas/{world['opening'].id}/postulantes/lote", headers=htmx_headers,
                           data={"to_state": "rejected", "reason": "profile_mismatch", "application_ids": [str(a.id), str(b.id)]})
    assert response.status_code == 200 and "2 postulantes pasaron" in toast(response)
    assert count(Application, Application.state == "rejected") == 2


def test_notes_are_saved(client, auth, world, htmx_headers):
    application = factories.application(world["opening"], world["student"])
    auth.login(world["employer"])
    response = client.post(f"/empresa/postulaciones/{application.id}/notas", headers=htmx_headers,
                           data={"notes": "Buena entrevista <b>sí</b>"})
    assert response.status_code == 200 and "Buena entrevista &lt;b&gt;" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.employer_notes.startswith("Buena entrevista")
