"""Interviews, the pages: the employer proposes from the applicant's page and the student
picks on hers, each without JavaScript (POST → 303) and in place with htmx; refusals in
Spanish that change nothing; the week page; the pipeline row; attendance only for the employer."""
from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.interviews import services
from portal.models import Interview
from tests import factories
from tests.helpers.events import toast
from tests.helpers.interviews import proposal

FORM = {"mode": "direccion", "place": "Av. Los Incas 123, Arequipa", "note": "Trae tu DNI.",
        "slot1_day": "2026-12-07", "slot1_start": "10:00", "slot1_end": "10:30",
        "slot2_day": "2026-12-07", "slot2_start": "15:00", "slot2_end": "15:30",
        "slot3_day": "2026-12-08", "slot3_start": "09:00", "slot3_end": "09:45"}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Interview))


def test_the_employer_proposes_without_javascript_and_is_sent_back_to_the_applicant(client, auth, cast):
    auth.login(cast.employer)
    page = client.get(f"/empresa/postulaciones/{cast.application.id}").get_data(as_text=True)
    assert "Proponer una entrevista" in page and 'name="slot3_day"' in page
    response = client.post(f"/empresa/postulaciones/{cast.application.id}/entrevista", data=dict(FORM))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/empresa/postulaciones/{cast.application.id}#entrevistas"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Entrevista propuesta" in page and "Propuesta" in page and "lun, 7 dic. 2026, 10:00–10:30" in page
    assert _count() == 1


def test_the_employer_proposes_in_place_with_htmx(client, auth, cast, htmx_headers):
    auth.login(cast.employer)
    response = client.post(f"/empresa/postulaciones/{cast.application.id}/entrevista", data=dict(FORM),
                           headers=htmx_headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="entrevistas"') and "Reprogramar" in text
    assert "Entrevista propuesta" in toast(response)


def test_a_bad_proposal_answers_422_keeps_what_was_typed_and_changes_nothing(client, auth, cast, htmx_headers):
    auth.login(cast.employer)
    bad = FORM | {"slot1_end": "09:00"}
    response = client.post(f"/empresa/postulaciones/{cast.application.id}/entrevista", data=bad,
                           headers=htmx_headers)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Horario 1: la hora de fin debe ser después de la de inicio." in text
    assert 'value="Av. Los Incas 123, Arequipa"' in text
    page = client.post(f"/empresa/postulaciones/{cast.application.id}/entrevista", data=bad)
    assert page.status_code == 422 and "<h1>" in page.get_data(as_text=True)
    assert "la hora de fin debe ser después" in page.get_data(as_text=True)
    assert _count() == 0


def test_the_student_picks_a_slot_on_her_page_with_and_without_javascript(client, auth, cast, htmx_headers):
    interview = services.propose(cast.employer, cast.application, proposal())
    auth.login(cast.student)
    assert "elige un horario" in client.get("/estudiante").get_data(as_text=True)
    assert "elige un horario" in client.get("/estudiante/postulaciones").get_data(as_text=True)
    page = client.get(f"/estudiante/entrevistas/{interview.id}").get_data(as_text=True)
    assert "Elige un horario" in page and "mar, 8 dic. 2026, 09:00–09:45" in page
    refused = client.post(f"/estudiante/entrevistas/{interview.id}/elegir", data={}, headers=htmx_headers)
    assert refused.status_code == 422 and "Elige uno de los horarios" in refused.get_data(as_text=True)
    response = client.post(f"/estudiante/entrevistas/{interview.id}/elegir", data={"slot": interview.slots[2].id})
    assert response.status_code == 303 and response.headers["Location"] == f"/estudiante/entrevistas/{interview.id}"
    db.session.refresh(interview)
    assert interview.state == "confirmed"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Entrevista confirmada" in page and "mar, 8 dic. 2026, 09:00–09:45" in page


def test_the_student_asks_for_another_time_in_place(client, auth, cast, htmx_headers):
    interview = services.propose(cast.employer, cast.application, proposal())
    auth.login(cast.student)
    response = client.post(f"/estudiante/entrevistas/{interview.id}/otro-horario",
                           data={"message": "<b>Tardes</b> por favor"}, headers=htmx_headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="interview"') and "&lt;b&gt;Tardes&lt;/b&gt;" in text
    assert "otro horario" in toast(response)


def test_another_student_or_company_gets_404(client, auth, cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    auth.login(factories.student())
    assert client.get(f"/estudiante/entrevistas/{interview.id}").status_code == 404
    assert client.post(f"/estudiante/entrevistas/{interview.id}/elegir",
                       data={"slot": interview.slots[0].id}).status_code == 404
    auth.logout()
    auth.login(factories.employer())
    assert client.post(f"/empresa/entrevistas/{interview.id}/cancelar", data={"reason": "x"}).status_code == 404
    assert db.session.get(Interview, interview.id).state == "proposed"


def test_reschedule_and_cancel_from_the_applicants_page(client, auth, cast, htmx_headers):
    interview = services.propose(cast.employer, cast.application, proposal())
    auth.login(cast.employer)
    response = client.post(f"/empresa/entrevistas/{interview.id}/reprogramar",
                           data=FORM | {"slot1_day": "2026-12-10", "slot2_day": "", "slot2_start": "",
                                        "slot2_end": "", "slot3_day": "", "slot3_start": "", "slot3_end": ""},
                           headers=htmx_headers)
    assert response.status_code == 200 and "jue, 10 dic. 2026, 10:00–10:30" in response.get_data(as_text=True)
    db.session.refresh(interview)
    assert interview.sequence == 1 and len(interview.slots) == 1
    refused = client.post(f"/empresa/entrevistas/{interview.id}/cancelar", data={"reason": ""}, headers=htmx_headers)
    assert refused.status_code == 422 and "Escribe el motivo" in refused.get_data(as_text=True)
    response = client.post(f"/empresa/entrevistas/{interview.id}/cancelar", data={"reason": "Vacante cubierta"})
    assert response.status_code == 303
    db.session.refresh(interview)
    assert interview.state == "cancelled"


def test_the_pipeline_row_shows_the_next_interview(client, auth, cast):
    auth.login(cast.employer)
    pipeline = f"/empresa/ofertas/{cast.application.opening_id}/postulantes"
    assert f'/empresa/postulaciones/{cast.application.id}#entrevistas">Proponer una entrevista' in \
        client.get(pipeline).get_data(as_text=True)
    auth.logout()
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[1].id)
    auth.login(cast.employer)
    page = client.get(f"/empresa/ofertas/{cast.application.opening_id}/postulantes").get_data(as_text=True)
    assert "Entrevista</a>:" in page and "lun, 7 dic. 2026, 15:00–15:30" in page


def test_the_week_page_lists_the_weeks_interviews_and_records_attendance(client, auth, cast, frozen_clock,
                                                                          htmx_headers):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    auth.login(cast.employer)
    page = client.get("/empresa/entrevistas?semana=2026-12-09").get_data(as_text=True)
    assert "Semana del 7 dic. 2026 al 13 dic. 2026" in page and "Rosa Huamán" in page
    assert "¿Vino" not in page  # not yet
    assert "Semana del 30 nov. 2026" in client.get("/empresa/entrevistas?semana=9999-12-31").get_data(as_text=True)
    empty = client.get("/empresa/entrevistas?semana=2026-12-14", headers=htmx_headers).get_data(as_text=True)
    assert empty.lstrip().startswith('<section id="week"') and "No hay entrevistas confirmadas" in empty
    frozen_clock(datetime(2026, 12, 7, 12, 0))
    page = client.get("/empresa/entrevistas?semana=2026-12-07").get_data(as_text=True)
    assert "¿Vino Rosa Huamán?" in page
    response = client.post(f"/empresa/entrevistas/{interview.id}/asistencia",
                           data={"attended": "si", "from": "semana", "semana": "2026-12-07"}, headers=htmx_headers)
    assert response.status_code == 200 and "Vino" in response.get_data(as_text=True)
    assert db.session.get(Interview, interview.id).attended is True
    # She never sees it.
    auth.logout()
    auth.login(cast.student)
    mine = client.get(f"/estudiante/entrevistas/{interview.id}").get_data(as_text=True)
    assert "Vino" not in mine and "vino" not in mine
