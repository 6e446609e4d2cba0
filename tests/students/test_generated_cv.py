"""The CV generated from the trade profile (issue 19): the student's page, its PDF (drawn by
WeasyPrint, cached by content), what she adds to it and what it shows, and employers reading
it through /cv/<id> under the uploaded CV's access rules."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from portal.certificates import services as certificate_services
from portal.extensions import db
from portal.models import AuditEvent, CvExperience, CvPreferences, Nomination, User
from portal.profiles import cv_details, generated_cv
from tests import factories
from tests.helpers.events import toast
from tests.students.test_cv import ALLOWED, VIEWERS, minimal_pdf, post_cv

PAGE = "/estudiante/cv/generado"
PDF = "/estudiante/cv/generado.pdf"


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def words(html: str) -> str:
    """The text a reader sees, on one line (tags dropped)."""
    return squeeze(re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",")


@pytest.fixture
def rosa(cetpro):
    """A graduate with one certified module, one declared, skills, a placement and a place."""
    user = factories.named(factories.student(cetpro, document_number="71234598", birth_date=date(2001, 5, 17),
                                             district_code="040103", availability="Lunes a sábado, turno mañana",
                                             sex="femenino"), "Rosa", "Quispe Mamani")
    user.phone, user.email = "987123456", "rosa.quispe@example.pe"
    profile = user.student
    from portal.models import StudentSkill
    profile.skills.append(StudentSkill(normalized="soldadura mig", name="Soldadura MIG"))
    db.session.commit()
    coordinator = factories.coordinator(cetpro)
    module = profile.programme.modules[0]
    certificate_services.record(coordinator, profile.id,
                                certificate_services.CertificateData(module.id, "0123-2026", date(2026, 7, 15)))
    factories.placement(user, date(2026, 8, 1), employer="Taller Eléctrico Misti", job_title="Electricista auxiliar")
    db.session.commit()
    return user


def test_the_page_shows_the_cv_built_from_the_profile(client, auth, rosa):
    auth.login(rosa)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = squeeze(response.get_data(as_text=True))
    page = words(html)
    profile = rosa.student
    certified, declared = profile.programme.modules[0].name, profile.programme.modules[1].name
    assert "Rosa Quispe Mamani" in page
    assert f"{profile.programme.name} · Técnico" in page or f"{profile.programme.name} · Auxiliar" in page
    assert "CETPRO Santa Rosa" in page
    assert f"{certified} Certificado por CETPRO Santa Rosa (N° 0123-2026, 15 jul. 2026)" in page
    assert f"{declared} Declarado por el estudiante" in page
    assert 'class="cv-qr" src="data:image/png;base64,' in html
    assert "Verificar: http" in page and "/verificar/" in page
    assert "Soldadura MIG" in page
    assert "Electricista auxiliar — Taller Eléctrico Misti" in page
    assert "Lunes a sábado, turno mañana" in page
    assert "Arequipa" in page
    assert "987123456" in page and "rosa.quispe@example.pe" in page
    # «Imprimir» is a script's button (CSP: no inline script), hidden until static/app.js runs.
    assert '<button type="button" class="secondary print-button" data-print>Imprimir</button>' in html


def test_the_pdf_keeps_two_modules_a_row(client, auth, rosa):
    """The screen's rule (app.css) leaves the PDF as it was: the two modules side by side."""
    auth.login(rosa)
    names = [m.name for m in rosa.student.programme.modules[:2]]
    where: dict[str, tuple[float, float]] = {}

    def visit(text, _cm, matrix, _font, _size):
        if text.strip() in names:
            where.setdefault(text.strip(), (matrix[4], matrix[5]))

    PdfReader(io.BytesIO(client.get(PDF).data)).pages[0].extract_text(visitor_text=visit)
    (x1, y1), (x2, y2) = where[names[0]], where[names[1]]
    assert abs(y1 - y2) < 1 and abs(x1 - x2) > 100


def test_the_screen_lays_modules_two_a_row_where_weasyprint_never_looks():
    """Two modules a row on a desktop screen: a width query, so in app.css (the page's), never
    in cv.css (WeasyPrint's, which keeps its own @media print rule for paper)."""
    from pathlib import Path

    static = Path(generated_cv.__file__).resolve().parents[2] / "static"
    app_css, cv_css = (static / "app.css").read_text(), (static / "cv.css").read_text()
    assert re.search(r"@media screen and \(min-width:48rem\)\{\.cv-preview \.cv-module\{float:left;width:49%", app_css)
    assert "min-width" not in cv_css and "@media print{.cv-module{float:left;width:49%" in cv_css


def test_the_cv_shows_no_photo_age_sex_or_document(client, auth, rosa):
    auth.login(rosa)
    sheet = client.get(PAGE).get_data(as_text=True)
    sheet = sheet[sheet.index('<article class="cv-sheet"'):sheet.index("</article>")]
    for absent in ("71234598", "2001", "17 may.", "Edad", "edad", "Estado civil", "Sexo", "Femenino", "femenino",
                   "Foto", "DNI"):
        assert absent not in sheet, absent
    assert sheet.count("<img") == 1  # the one certificate's QR code, nothing else
    _, text = pdf_text(client.get(PDF).data)
    for absent in ("71234598", "2001", "Edad", "Estado civil", "Sexo", "Femenino", "DNI"):
        assert absent not in text, absent


def test_htmx_asks_for_the_fragment(client, auth, rosa, htmx_headers):
    auth.login(rosa)
    response = client.get(PAGE, headers=htmx_headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="cv-generated">')
    assert "<html" not in body and "Vary" in response.headers


def test_the_pdf_is_one_page_with_her_name_and_certificate(client, auth, rosa):
    auth.login(rosa)
    response = client.get(PDF)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == 'inline; filename="CV-Quispe-Mamani.pdf"'
    assert response.headers["Cache-Control"] == "private, no-cache"
    pages, text = pdf_text(response.data)
    assert pages == 1
    text = squeeze(text)
    assert "Rosa Quispe Mamani" in text
    assert "Certificado por CETPRO Santa Rosa (N° 0123-2026, 15 jul. 2026)" in text
    assert "Declarado por el estudiante" in text
    assert "Electricista auxiliar" in text


def test_the_pdf_is_cached_by_content_and_revalidated_by_etag(client, auth, rosa, monkeypatch):
    generated_cv.cache.clear()
    drawn = []
    real = generated_cv.render_pdf
    monkeypatch.setattr(generated_cv, "render_pdf", lambda document: drawn.append(1) or real(document))
    auth.login(rosa)
    first = client.get(PDF)
    etag = first.headers["ETag"]
    again = client.get(PDF)
    assert again.data == first.data and again.headers["ETag"] == etag and len(drawn) == 1
    unchanged = client.get(PDF, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and len(drawn) == 1
    # A profile edit draws a new PDF with a new ETag; the old one no longer matches.
    client.post("/estudiante/cv/experiencias", data={
        "nueva-kind": "empleo", "nueva-role": "Cocinera", "nueva-employer": "Picantería La Nueva Palomino",
        "nueva-start_date": "2024-01-10", "nueva-end_date": "2024-12-20"})
    changed = client.get(PDF, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and len(drawn) == 2
    assert "Picantería La Nueva Palomino" in squeeze(pdf_text(changed.data)[1])


def test_adding_editing_and_removing_an_experience_without_javascript(client, auth, rosa):
    auth.login(rosa)
    response = client.post("/estudiante/cv/experiencias", data={
        "nueva-kind": "practica", "nueva-role": "Ayudante de cocina", "nueva-employer": "Hotel Libertador",
        "nueva-start_date": "2025-02-01", "nueva-end_date": "", "nueva-description": "Mise en place  y\n limpieza"})
    assert response.status_code == 303 and response.headers["Location"] == PAGE
    experience = db.session.query(CvExperience).one()
    assert (experience.role, experience.end_date, experience.description) == \
        ("Ayudante de cocina", None, "Mise en place y limpieza")
    page = words(client.get(PAGE).get_data(as_text=True))
    assert "Agregamos la experiencia a tu CV." in page
    assert "Ayudante de cocina — Hotel Libertador" in page and "Práctica · 1 feb. 2025 – actualidad" in page

    prefix = f"e{experience.id}-"
    response = client.post(f"/estudiante/cv/experiencias/{experience.id}", data={
        prefix + "kind": "practica", prefix + "role": "Ayudante de cocina", prefix + "employer": "Hotel Libertador",
        prefix + "start_date": "2025-02-01", prefix + "end_date": "2025-06-30"})
    assert response.status_code == 303
    db.session.refresh(experience)
    assert experience.end_date == date(2025, 6, 30)

    response = client.post(f"/estudiante/cv/experiencias/{experience.id}/quitar")
    assert response.status_code == 303
    assert db.session.query(CvExperience).count() == 0
    assert "Hotel Libertador" not in client.get(PAGE).get_data(as_text=True)
    actions = [e.action for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("student.cv_%"))]
    assert actions == ["student.cv_experience_added", "student.cv_experience_updated",
                       "student.cv_experience_removed"]


def test_htmx_adds_an_experience_in_place(client, auth, rosa, htmx_headers):
    auth.login(rosa)
    response = client.post("/estudiante/cv/experiencias", headers=htmx_headers, data={
        "nueva-kind": "independiente", "nueva-role": "Costura por encargo", "nueva-start_date": "2023-03-01"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="cv-generated">')
    assert "Costura por encargo" in body
    assert toast(response) == "Agregamos la experiencia a tu CV."


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"nueva-role": ""}, "nueva-role", "Escribe el puesto o la actividad"),
    ({"nueva-kind": "voluntariado"}, "nueva-kind", "Elige el tipo: empleo, práctica o trabajo independiente."),
    ({"nueva-start_date": ""}, "nueva-start_date", "Indica desde cuándo"),
    ({"nueva-start_date": "31/02/2024"}, "nueva-start_date", "Esa fecha no es válida."),
    ({"nueva-start_date": "2099-01-01"}, "nueva-start_date", "La fecha de inicio no puede ser futura."),
    ({"nueva-end_date": "2020-01-01"}, "nueva-end_date", "La fecha de fin no puede ser anterior a la de inicio."),
    ({"nueva-role": "x" * 121}, "nueva-role", "Máximo 120 caracteres; escribiste 121."),
])
def test_a_bad_experience_is_refused_in_spanish_and_changes_nothing(client, auth, rosa, fields, field, message):
    auth.login(rosa)
    data = {"nueva-kind": "empleo", "nueva-role": "Soldador", "nueva-start_date": "2024-01-01", **fields}
    response = client.post("/estudiante/cv/experiencias", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and f'id="{field}-error"' in body
    assert db.session.query(CvExperience).count() == 0


def test_another_students_experience_is_not_hers_to_touch(client, auth, rosa, cetpro):
    other = factories.student(cetpro)
    theirs = CvExperience(student_id=other.student.id, kind="empleo", role="Mecánico", employer="",
                          start_date=date(2024, 1, 1), description="")
    db.session.add(theirs)
    db.session.commit()
    auth.login(rosa)
    prefix = f"e{theirs.id}-"
    assert client.post(f"/estudiante/cv/experiencias/{theirs.id}", data={
        prefix + "kind": "empleo", prefix + "role": "Cambiado", prefix + "start_date": "2024-01-01"}).status_code == 404
    assert client.post(f"/estudiante/cv/experiencias/{theirs.id}/quitar").status_code == 404
    db.session.refresh(theirs)
    assert theirs.role == "Mecánico"


def test_she_chooses_which_contact_details_it_shows(client, auth, rosa):
    auth.login(rosa)
    response = client.post("/estudiante/cv/preferencias", data={"show_phone": "y"})
    assert response.status_code == 303
    page = client.get(PAGE).get_data(as_text=True)
    sheet = page[page.index('<article class="cv-sheet"'):page.index("</article>")]
    assert "987123456" in sheet and "rosa.quispe@example.pe" not in sheet
    client.post("/estudiante/cv/preferencias", data={})
    text = pdf_text(client.get(PDF).data)[1]
    assert "987123456" not in text and "rosa.quispe@example.pe" not in text


def test_without_an_upload_the_choice_of_cv_is_not_asked(client, auth, rosa):
    auth.login(rosa)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="shown"' not in page and "Las empresas a las que postulas o te recomiendan ven este CV." in page
    assert client.post("/estudiante/cv/preferencias", data={"show_email": "y", "show_phone": "y",
                                                              "shown": "otro"}).status_code == 422
    assert db.session.get(CvPreferences, rosa.student.id) is None


def test_the_new_pages_need_a_signed_in_student(client, auth, rosa, cetpro):
    for url in (PAGE, PDF):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/ingresar")
    auth.login(factories.coordinator(cetpro))
    assert client.get(PAGE).status_code == 403
    assert client.get(PDF).status_code == 403


# --- Employers: /cv/<id> serves the generated CV under the uploaded CV's rules ----------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_generated_cv_has_the_access_rules_of_the_uploaded_one(client, auth, rosa, cetpro, viewer):
    user = VIEWERS[viewer](rosa, cetpro)
    auth.login(user)
    response = client.get(f"/cv/{rosa.student.id}")
    if viewer in ALLOWED:
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
        assert "Rosa Quispe Mamani" in pdf_text(response.data)[1]
        assert response.headers["Cache-Control"] == "private, no-cache"
    else:
        assert response.status_code == 404
        assert b"%PDF" not in response.data


def test_an_upload_is_what_employers_see_unless_she_chooses_the_generated_one(client, auth, rosa):
    employer = VIEWERS["employer with an application"](rosa, None)
    auth.login(rosa)
    post_cv(client, minimal_pdf())
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="shown"' in page and "ven el CV que subiste" in page
    auth.logout()
    auth.login(employer)
    assert client.get(f"/cv/{rosa.student.id}").data == minimal_pdf()
    auth.logout()
    auth.login(rosa)
    assert client.post("/estudiante/cv/preferencias", data={"show_email": "y", "show_phone": "y",
                                                              "shown": "generado"}).status_code == 303
    auth.logout()
    auth.login(employer)
    served = client.get(f"/cv/{rosa.student.id}").data
    assert served != minimal_pdf() and "Rosa Quispe Mamani" in pdf_text(served)[1]


def test_an_erased_students_generated_cv_is_gone(client, auth, rosa):
    employer = VIEWERS["employer with an application"](rosa, None)
    user = db.session.get(User, rosa.id)
    user.deleted_at = user.created_at
    db.session.commit()
    auth.login(employer)
    assert client.get(f"/cv/{rosa.student.id}").status_code == 404


def test_the_pipeline_and_recomendados_link_the_cv_of_a_student_without_upload(client, auth, rosa):
    company = factories.company()
    opening = factories.opening(company)
    factories.application(opening, rosa)
    nominated = factories.named(factories.student(db.session.get(User, rosa.id).student.cetpro), "Luz", "Pari")
    db.session.add(Nomination(opening_id=opening.id, student_id=nominated.student.id,
                              cetpro_id=nominated.student.cetpro_id))
    db.session.commit()
    auth.login(factories.employer(company))
    pipeline = client.get(f"/empresa/ofertas/{opening.id}/postulantes").get_data(as_text=True)
    assert f'href="/cv/{rosa.student.id}">CV (PDF)' in pipeline
    recommended = client.get(f"/empresa/ofertas/{opening.id}/recomendados").get_data(as_text=True)
    assert f'href="/cv/{nominated.student.id}">CV (PDF)' in recommended
    assert client.get(f"/cv/{nominated.student.id}").data.startswith(b"%PDF-")


def test_a_full_cv_still_fits_one_page(client, auth, rosa):
    """Every module certified (each with its QR code), the most experiences she may add, each
    with a description, and the placements: still one A4 page, the oldest experiences counted."""
    profile = rosa.student
    coordinator = factories.coordinator(profile.cetpro)
    for index, module in enumerate(profile.programme.modules[1:], start=1):
        certificate_services.record(coordinator, profile.id, certificate_services.CertificateData(
            module.id, f"0{index}99-2026", date(2026, 7, 15)))
    for index in range(cv_details.MAX_EXPERIENCES):
        cv_details.add_experience(profile, rosa, cv_details.ExperienceData(
            "empleo", f"Puesto número {index + 1} con un nombre bastante largo",
            f"Empresa de servicios generales número {index + 1} S.A.C.", date(2015 + index, 1, 1),
            date(2015 + index, 12, 1), "Mantenimiento de equipos, atención de pedidos y control de inventario "
            "en el almacén principal de la empresa"), on=date(2026, 1, 1))
    auth.login(rosa)
    pages, text = pdf_text(client.get(PDF).data)
    assert pages == 1
    shown = generated_cv.SHOWN_EXPERIENCES
    assert f"Y {cv_details.MAX_EXPERIENCES + 1 - shown} experiencias anteriores." in squeeze(text)
    assert squeeze(text).count("Certificado por CETPRO Santa Rosa") == len(profile.programme.modules)


def test_drawing_a_pdf_leaves_uploads_refusing_a_cut_image(client, auth, rosa):
    """WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; the
    portal puts it back, so a logo cut in half is still refused after a CV was drawn."""
    from PIL import ImageFile

    from portal import uploads
    from tests.helpers.files import image

    photo = image("JPEG", size=(200, 200))
    auth.login(rosa)
    assert client.get(PDF).status_code == 200
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(uploads.UploadError):
        uploads.reencode_image(photo[: len(photo) // 2], 512)


def test_weasyprint_understands_the_whole_stylesheet(client, auth, rosa, caplog):
    """A rule WeasyPrint cannot read (a media query on the width) is dropped with a warning and
    the PDF silently loses it: static/cv.css has none."""
    generated_cv.cache.clear()
    generated_cv._css.clear()
    auth.login(rosa)
    with caplog.at_level("WARNING", logger="weasyprint"):
        assert client.get(PDF).status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
