"""/estudiante/perfil: the page and its fragments, every bad input, tenancy, CSRF, and the dashboard."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, Notification, StudentProfile, User
from portal.profiles import services
from tests import factories
from tests.helpers.events import toast
from tests.helpers.files import minimal_pdf
from tests.students.test_cv import post_cv


def form(profile: StudentProfile | None = None, **changes) -> dict:
    programme = factories.programme("Electricidad")
    base = {
        "programme_id": str(programme.id), "level": "tecnico", "status": "egresado",
        "graduation_date": (clock.today() - timedelta(days=60)).isoformat(),
        "module_ids": [str(programme.modules[0].id), str(programme.modules[1].id)],
        "skills": "Soldadura MIG, licencia A-I", "department_code": "04", "province_code": "0401",
        "district_code": "040103", "phone": "987 654 321", "availability": "Mañanas de lunes a sábado",
        "open_to_offers": "y",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def snapshot(user: User) -> services.ProfileData:
    db.session.expire_all()
    return services.data_of(db.session.get(User, user.id).student)


def test_profile_page_shows_cetpro_document_and_form(client, auth, student):
    auth.login(student)
    response = client.get("/estudiante/perfil")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "CETPRO Santa Rosa" in page and "Pendiente de verificación" in page
    assert "pídelo a tu CETPRO" in page and student.student.document_number in page
    assert 'id="student-profile-form"' in page and 'id="student-cv"' in page and 'id="profile-checklist"' in page
    # Programmes grouped by family, the student's own one chosen.
    assert '<optgroup label="Electricidad y Electrónica">' in page
    assert f'<option selected value="{student.student.programme_id}">Electricidad</option>' in page
    assert "Instalaciones eléctricas domiciliarias" in page  # the programme's modules, as checkboxes
    assert "HX-Request" in response.headers["Vary"]


def test_verified_student_sees_the_badge(client, auth, cetpro):
    user = factories.student(cetpro, verified=True)
    auth.login(user)
    assert "✓ Verificado(a) por tu CETPRO" in client.get("/estudiante/perfil").get_data(as_text=True)


def test_profile_fragment_for_htmx(client, auth, student, htmx_headers):
    auth.login(student)
    response = client.get("/estudiante/perfil", headers=htmx_headers)
    assert response.data.lstrip().startswith(b'<form id="student-profile-form"')


def test_save_without_javascript_redirects_with_a_notice(client, auth, student):
    auth.login(student)
    response = client.post("/estudiante/perfil", data=form())
    assert response.status_code == 303 and response.headers["Location"] == "/estudiante/perfil"
    page = client.get("/estudiante/perfil").get_data(as_text=True)
    assert "Guardamos tu perfil." in page
    saved = snapshot(student)
    assert saved.status == "egresado" and saved.phone == "987654321" and saved.district_code == "040103"
    assert len(saved.module_ids) == 2 and saved.open_to_offers is True
    assert saved.skills == "licencia A-I, Soldadura MIG"
    assert 'value="987654321"' in page and 'value="licencia A-I, Soldadura MIG"' in page


def test_save_with_htmx_answers_the_form_and_the_checklist(client, auth, student, htmx_headers):
    auth.login(student)
    response = client.post("/estudiante/perfil", data=form(), headers=htmx_headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<form id="student-profile-form"')
    assert '<hx-partial hx-target="#profile-checklist" hx-swap="outerMorph">' in text
    assert "Tu perfil está completo" in text and 'data-missing="phone"' not in text
    event = json.loads(response.headers["HX-Trigger"])["notice-posted"]
    assert event == {"message": "Guardamos tu perfil.", "kind": "success"}


def test_saving_again_without_changes_says_so(client, auth, student, htmx_headers):
    auth.login(student)
    client.post("/estudiante/perfil", data=form())
    response = client.post("/estudiante/perfil", data=form(), headers=htmx_headers)
    assert "No había cambios" in toast(response)


def test_verified_student_changing_programme_goes_back_to_verification(client, auth, cetpro):
    coordinator = factories.coordinator(cetpro)
    user = factories.student(cetpro, verified=True)
    user.first_names, user.last_names = "Rosa", "Quispe"
    db.session.commit()
    electronics = factories.programme("Electrónica")
    auth.login(user)
    response = client.post("/estudiante/perfil", data=form(programme_id=str(electronics.id),
                                                           module_ids=[str(electronics.modules[0].id)]))
    assert response.status_code == 303
    profile = db.session.get(User, user.id).student
    assert profile.programme_id == electronics.id and profile.verification_state == "pending"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "student.profile_updated"))
    assert event.data["programme_id"][1] == electronics.id
    page = client.get("/estudiante/perfil").get_data(as_text=True)
    assert "tu CETPRO volverá a verificar tu cuenta" in page and "Pendiente de verificación" in page
    assert "✓ Verificado(a)" not in page
    # The coordinator is told, and finds her in the queue.
    auth.logout()
    auth.login(coordinator)
    inbox = client.get("/notificaciones").get_data(as_text=True)
    assert "Rosa Quispe cambió su programa o situación (Electrónica, egresado(a)) y volvió a «Por verificar»." in inbox
    queue = client.get("/coordinador/estudiantes?verificacion=pendiente").get_data(as_text=True)
    assert "Quispe" in queue


@pytest.mark.parametrize("changes", [{"status": "titulado"}, {"status": "estudiante", "graduation_date": ""}])
def test_verified_student_changing_status_goes_back_to_verification(client, auth, cetpro, htmx_headers, changes):
    coordinator = factories.coordinator(cetpro)
    user = factories.student(cetpro, verified=True)
    auth.login(user)
    response = client.post("/estudiante/perfil", data=form(**changes), headers=htmx_headers)
    assert "tu CETPRO volverá a verificar tu cuenta" in toast(response)
    assert db.session.get(User, user.id).student.verification_state == "pending"
    assert db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id)).kind == "student-changed"


def test_other_changes_keep_the_verification_and_tell_nobody(client, auth, cetpro, htmx_headers):
    coordinator = factories.coordinator(cetpro)
    user = factories.student(cetpro, verified=True)
    auth.login(user)
    client.post("/estudiante/perfil", data=form(), headers=htmx_headers)  # whatever the form sets first
    db.session.get(User, user.id).student.verification_state = "verified"
    db.session.execute(delete(Notification))
    db.session.commit()
    response = client.post("/estudiante/perfil", data=form(skills="Soldadura, Excel", availability="Tardes"),
                           headers=htmx_headers)
    assert toast(response) == "Guardamos tu perfil."
    assert db.session.get(User, user.id).student.verification_state == "verified"
    assert db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id)) is None


def _future() -> str:
    return (clock.today() + timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"phone": "01 234 5678"}, "El celular tiene 9 dígitos y empieza con 9"),
        ({"phone": "98765432"}, "El celular tiene 9 dígitos y empieza con 9"),
        ({"graduation_date": ""}, "Indica la fecha en que egresaste"),
        ({"graduation_date": None, "status": "titulado"}, "Indica la fecha en que egresaste"),
        ({"graduation_date": "_future"}, "La fecha de egreso no puede ser futura"),
        ({"graduation_date": "31/02/2024"}, "Esa fecha no es válida"),
        ({"module_ids": "_other_programme"}, "Marcaste módulos que no son de Electricidad"),
        ({"module_ids": ["abc"]}, "Marcaste módulos que no son de Electricidad"),
        ({"programme_id": "999999", "module_ids": []}, "Elige tu programa de estudios de la lista."),
        ({"programme_id": "x", "module_ids": []}, "Elige tu programa de estudios de la lista."),
        ({"status": "jubilado"}, "Elige tu situación"),
        ({"level": "experto"}, "Elige tu nivel"),
        ({"province_code": "1501"}, "Elige una provincia de Arequipa"),
        ({"availability": "a" * 201}, "Máximo 200 caracteres; escribiste 201."),
    ],
)
def test_bad_input_gets_422_with_spanish_message_keeps_input_and_saves_nothing(client, auth, student, changes, message):
    if changes.get("graduation_date") == "_future":
        changes["graduation_date"] = _future()
    if changes.get("module_ids") == "_other_programme":
        changes["module_ids"] = [str(factories.programme("Electrónica").modules[0].id)]
    auth.login(student)
    before = snapshot(student)
    response = client.post("/estudiante/perfil", data=form(**changes))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and 'class="field-error"' in text
    # The summary on top names the field and links to it.
    summary = re.search(r'<section class="notice error error-summary" role="alert" tabindex="-1" autofocus>.*?</section>',
                        text, re.S)
    assert summary and re.search(rf'<a href="#{next(iter(changes))}(-0)?">[^<]*{re.escape(message)}', summary[0])
    assert 'value="Mañanas de lunes a sábado"' in text or "availability" in changes  # what was typed stays
    assert snapshot(student) == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "student.profile_updated")) == 0


def test_bad_input_with_htmx_gets_the_form_fragment(client, auth, student, htmx_headers):
    auth.login(student)
    response = client.post("/estudiante/perfil", data=form(phone="123"), headers=htmx_headers)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<form id="student-profile-form"')
    assert 'aria-invalid="true"' in text and "HX-Trigger" not in response.headers
    assert 'value="123"' in text


def test_changing_programme_without_javascript_shows_the_new_modules(client, auth, student):
    """Old ticks with a new programme: refused, and the form now lists the new programme's modules."""
    electricity = factories.programme("Electricidad")
    electronics = factories.programme("Electrónica")
    auth.login(student)
    response = client.post("/estudiante/perfil", data=form(programme_id=str(electronics.id),
                                                           module_ids=[str(electricity.modules[0].id)]))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert electronics.modules[0].name in text and electricity.modules[0].name not in text


def test_csrf_is_required(client, auth, student):
    auth.login(student)
    before = snapshot(student)
    response = client.post("/estudiante/perfil", data=form(), csrf=False)
    assert response.status_code == 400
    assert snapshot(student) == before


def test_module_fields_follow_the_programme_and_drop_foreign_ticks(client, auth, student, htmx_headers):
    electricity = factories.programme("Electricidad")
    electronics = factories.programme("Electrónica")
    auth.login(student)
    response = client.get("/estudiante/perfil/modulos", headers=htmx_headers, query_string={
        "programme_id": electronics.id,
        "module_ids": [electricity.modules[0].id, electronics.modules[1].id]})
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<fieldset id="student-modules"')
    assert electronics.modules[0].name in text and electricity.modules[0].name not in text
    checked = re.findall(r"<input[^>]*checked[^>]*>", text)
    assert len(checked) == 1 and f'value="{electronics.modules[1].id}"' in checked[0]
    assert client.get("/estudiante/perfil/modulos", headers=htmx_headers,
                      query_string={"programme_id": "nada"}).status_code == 200


@pytest.mark.parametrize("make, status", [(None, 302), (factories.employer, 403), (factories.coordinator, 403),
                                          (factories.admin, 403)])
def test_only_students_reach_the_profile(client, auth, make, status):
    if make:
        auth.login(make())
    response = client.get("/estudiante/perfil")
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/ingresar")
    assert client.post("/estudiante/perfil", data=form()).status_code == status


def test_dashboard_links_to_the_profile_and_lists_what_is_missing(client, auth, student):
    auth.login(student)
    page = client.get("/estudiante").get_data(as_text=True)
    assert 'href="/estudiante/perfil"' in page and "Completar mi perfil" in page
    for key in ("modules", "phone", "open_to_offers"):
        assert f'data-missing="{key}"' in page
    client.post("/estudiante/perfil", data=form())
    page = client.get("/estudiante").get_data(as_text=True)
    assert 'data-missing="modules"' not in page and 'data-missing="phone"' not in page
    assert 'data-missing="open_to_offers"' not in page and "Tu perfil está completo" in page


def test_the_dashboard_offers_the_generated_cv_instead_of_asking_for_a_pdf(client, auth, student):
    """Without an upload the generated CV is what employers get: the dashboard offers it to
    review (or an upload), and nothing asks her to upload a PDF."""
    auth.login(student)
    page = client.get("/estudiante").get_data(as_text=True)
    assert "Sube tu CV en PDF" not in page and 'data-missing="cv"' not in page
    assert "Tu CV generado está listo" in page
    assert '<a class="button secondary" href="/estudiante/cv/generado">Revisar mi CV</a>' in page
    assert 'href="/estudiante/perfil#student-cv">¿Tienes tu propio CV en PDF? Súbelo</a>' in page
    assert post_cv(client, minimal_pdf()).status_code == 303
    page = client.get("/estudiante").get_data(as_text=True)
    assert "Tu CV generado está listo" not in page and "Las empresas ven el CV en PDF que subiste." in page
    assert 'href="/estudiante/cv/generado">Ver mi CV generado</a>' in page
