"""The CV: upload (checked by content and size), removal, and who may open it."""
from __future__ import annotations

import io
import json
import re

import pytest

from portal import uploads
from portal.extensions import db
from portal.models import Nomination, StudentProfile, User
from tests import factories
from tests.helpers import trust
from tests.helpers.events import toast
from tests.helpers.files import PNG, minimal_pdf, pdf_of_size

LIMIT = 2 * 1024 * 1024


def cv_path(user: User) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).student.cv_path


def post_cv(client, content: bytes, name: str = "mi-cv.pdf", content_type: str = "application/pdf", **kwargs):
    return client.post("/estudiante/cv", data={"cv": (io.BytesIO(content), name, content_type)},
                       content_type="multipart/form-data", **kwargs)


def stored_files(app) -> list[str]:
    """The keys of every stored file (and anything on disk under UPLOAD_PATH: none expected)."""
    return sorted(trust.stored_files(app))


def test_a_real_pdf_is_accepted_without_javascript(app, client, auth, student):
    auth.login(student)
    response = post_cv(client, minimal_pdf())
    assert response.status_code == 303 and response.headers["Location"] == "/estudiante/perfil"
    relative = cv_path(student)
    assert re.fullmatch(r"cv/[0-9a-f]{32}\.pdf", relative)
    assert stored_files(app) == [relative]
    assert uploads.read_stored(relative) == minimal_pdf()
    page = client.get("/estudiante/perfil").get_data(as_text=True)
    assert "Subimos tu CV." in page and 'href="/estudiante/cv"' in page and "Quitar CV" in page


def test_upload_with_htmx_answers_the_section_and_the_checklist(client, auth, student, htmx_headers):
    auth.login(student)
    response = post_cv(client, minimal_pdf(), headers=htmx_headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="student-cv"')
    assert '<hx-partial hx-target="#profile-checklist"' in text
    assert json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"] == "Subimos tu CV."


def test_exactly_two_megabytes_is_accepted(client, auth, student):
    auth.login(student)
    assert post_cv(client, pdf_of_size(LIMIT)).status_code == 303
    assert cv_path(student) is not None


@pytest.mark.parametrize(
    "content, name, content_type, message",
    [
        (PNG, "foto.pdf", "application/pdf", "El archivo debe ser un PDF"),
        (b"Soy un texto con nombre de PDF.\n%%EOF", "cv.pdf", "application/pdf", "El archivo debe ser un PDF"),
        (b"<html><script>alert(1)</script></html>", "cv.pdf", "application/pdf", "El archivo debe ser un PDF"),
        (b"", "cv.pdf", "application/pdf", "El archivo está vacío"),
        (pdf_of_size(LIMIT + 1), "cv.pdf", "application/pdf", "El archivo pesa más de 2 MB"),
        (minimal_pdf()[:-7], "cv.pdf", "application/pdf", "El archivo debe ser un PDF"),  # cut short: no %%EOF
    ],
)
def test_a_bad_file_is_refused_and_the_old_cv_stays(app, client, auth, student, content, name, content_type, message):
    auth.login(student)
    post_cv(client, minimal_pdf("anterior"))
    kept = cv_path(student)
    response = post_cv(client, content, name, content_type)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and "Tu CV anterior sigue guardado." in text
    assert 'id="student-profile-form"' in text  # the whole page without htmx
    assert cv_path(student) == kept
    assert stored_files(app) == [kept]
    assert client.get("/estudiante/cv").data == minimal_pdf("anterior")


def test_a_refused_file_with_htmx_gets_the_section(client, auth, student, htmx_headers):
    auth.login(student)
    response = post_cv(client, PNG, "foto.pdf", headers=htmx_headers)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="student-cv"') and "El archivo debe ser un PDF" in text
    assert 'aria-invalid="true"' in text and "HX-Trigger" not in response.headers


def test_sending_no_file_asks_for_one(client, auth, student):
    auth.login(student)
    response = client.post("/estudiante/cv", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Elige un archivo PDF" in response.get_data(as_text=True)


def test_path_tricks_in_the_name_do_not_matter(app, client, auth, student, tmp_path):
    auth.login(student)
    for name in ("../../etc/passwd.pdf", "..\\..\\evil.pdf", "/etc/cron.d/x.pdf", "cv/.hidden.pdf"):
        assert post_cv(client, minimal_pdf(), name).status_code == 303
        relative = cv_path(student)
        assert re.fullmatch(r"cv/[0-9a-f]{32}\.pdf", relative)
    assert stored_files(app) == [cv_path(student)]
    assert not list(tmp_path.rglob("passwd.pdf")) and not list(tmp_path.rglob("evil.pdf"))


def test_uploads_need_csrf(client, auth, student):
    auth.login(student)
    assert post_cv(client, minimal_pdf(), csrf=False).status_code == 400
    assert cv_path(student) is None
    post_cv(client, minimal_pdf())
    assert client.post("/estudiante/cv/quitar", csrf=False).status_code == 400
    assert cv_path(student) is not None


def test_remove_cv(app, client, auth, student, htmx_headers):
    auth.login(student)
    post_cv(client, minimal_pdf())
    response = client.post("/estudiante/cv/quitar", headers=htmx_headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="student-cv"') and "Aún no subiste tu CV" in text
    # Without the upload the generated CV stands in: the checklist asks for no PDF.
    assert '<hx-partial hx-target="#profile-checklist"' in text and 'data-missing="cv"' not in text
    assert "Quitamos tu CV." in toast(response)
    assert cv_path(student) is None and stored_files(app) == []
    assert client.get("/estudiante/cv").status_code == 404
    again = client.post("/estudiante/cv/quitar")
    assert again.status_code == 303


# --- Who may open a CV ------------------------------------------------------------------


@pytest.fixture
def with_cv(client, auth, student):
    auth.login(student)
    post_cv(client, minimal_pdf())
    auth.logout()
    return student


def _employer_with(kind: str, student: User) -> User:
    company = factories.company()
    opening = factories.opening(company)
    if kind == "application":
        factories.application(opening, student)
    elif kind == "nomination":
        profile = db.session.get(User, student.id).student
        db.session.add(Nomination(opening_id=opening.id, student_id=profile.id, cetpro_id=profile.cetpro_id))
        db.session.commit()
    else:
        factories.application(opening, factories.student())  # somebody else applied
    return factories.employer(company)


VIEWERS = {
    "self": lambda s, c: s,
    "same-cetpro coordinator": lambda s, c: factories.coordinator(c),
    "other-cetpro coordinator": lambda s, c: factories.coordinator(factories.cetpro()),
    "employer with an application": lambda s, c: _employer_with("application", s),
    "employer with a nomination": lambda s, c: _employer_with("nomination", s),
    "employer without": lambda s, c: _employer_with("none", s),
    "pending employer of that company": lambda s, c: factories.employer(
        _employer_with("application", s).membership.company, state="pending"),
    "another student": lambda s, c: factories.student(c),
    "admin": lambda s, c: factories.admin(),
}
ALLOWED = {"self", "same-cetpro coordinator", "employer with an application", "employer with a nomination", "admin"}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_cv_access_matrix(client, auth, with_cv, cetpro, viewer):
    user = VIEWERS[viewer](with_cv, cetpro)
    auth.login(user)
    profile_id = db.session.get(User, with_cv.id).student.id
    response = client.get(f"/cv/{profile_id}")
    if viewer in ALLOWED:
        assert response.status_code == 200
        assert response.data == minimal_pdf()
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == 'inline; filename="CV-Quispe-Mamani.pdf"'
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "private, no-store"
    else:
        assert response.status_code == 404
        assert b"%PDF" not in response.data


def test_anonymous_visitors_are_sent_to_log_in(client, with_cv):
    profile_id = db.session.get(User, with_cv.id).student.id
    for url in (f"/cv/{profile_id}", "/estudiante/cv"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/ingresar")


def test_the_student_opens_their_own_cv(client, auth, with_cv):
    auth.login(with_cv)
    response = client.get("/estudiante/cv")
    assert response.status_code == 200 and response.data == minimal_pdf()
    assert response.headers["Content-Disposition"] == 'inline; filename="CV-Quispe-Mamani.pdf"'
    assert response.headers["Cache-Control"] == "private, no-store"


def test_accents_in_the_surname_get_a_utf8_name(client, auth, cetpro):
    user = factories.student(cetpro)
    user.last_names = "Núñez Peña"
    db.session.commit()
    auth.login(user)
    post_cv(client, minimal_pdf())
    disposition = client.get("/estudiante/cv").headers["Content-Disposition"]
    assert disposition == "inline; filename=\"CV-Nunez-Pena.pdf\"; filename*=UTF-8''CV-N%C3%BA%C3%B1ez-Pe%C3%B1a.pdf"


def test_a_visible_student_without_cv_gets_the_generated_one(client, auth, student, cetpro):
    # Without an upload, /cv/<id> serves the CV generated from the profile
    # (tests/students/test_generated_cv.py); an unknown student is still 404.
    auth.login(factories.coordinator(cetpro))
    response = client.get(f"/cv/{student.student.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-") and response.data != minimal_pdf()
    assert client.get("/cv/999999").status_code == 404


def test_a_tampered_path_is_never_served(client, auth, student, cetpro):
    profile = db.session.get(StudentProfile, student.student.id)
    profile.cv_path = "cv/../../../../etc/passwd"
    db.session.commit()
    auth.login(factories.coordinator(cetpro))
    assert client.get(f"/cv/{profile.id}").status_code == 404
