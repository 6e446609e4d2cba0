"""The profile and CV services, and the shared upload helpers, without HTTP."""
from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal import uploads
from portal.extensions import db
from portal.models import AuditEvent, Notification, StoredFile, StudentProfile, StudentSkill
from portal.profiles import queries, services
from tests import factories
from tests.helpers.files import PNG, minimal_pdf, pdf_of_size

TODAY = date(2025, 6, 15)


def data(profile: StudentProfile, **changes) -> services.ProfileData:
    base = services.data_of(profile)
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def upload(content: bytes, name: str = "cv.pdf", content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name, content_type=content_type)


def test_update_profile_saves_everything(student):
    profile = student.student
    programme = factories.programme("Electricidad")
    services.update_profile(profile, student, data(
        profile, status="egresado", graduation_date=date(2024, 12, 20), level="auxiliar_tecnico",
        module_ids=[programme.modules[0].id, programme.modules[2].id],
        skills="Soldadura MIG, soldadura mig ; Licencia A-I\nExcel", department_code="04",
        province_code="0401", district_code="040103", phone="+51 987 654 321",
        availability="  Mañanas,   de lunes a sábado ", open_to_offers=True), on=TODAY)
    db.session.expire_all()
    profile = db.session.get(StudentProfile, profile.id)
    assert profile.status == "egresado" and profile.graduation_date == date(2024, 12, 20)
    assert profile.level == "auxiliar_tecnico"
    assert [m.name for m in profile.modules] == [programme.modules[0].name, programme.modules[2].name]
    assert sorted((s.normalized, s.name) for s in profile.skills) == [
        ("excel", "Excel"), ("licencia a-i", "Licencia A-I"), ("soldadura mig", "Soldadura MIG")]
    assert (profile.department_code, profile.province_code, profile.district_code) == ("04", "0401", "040103")
    assert profile.user.phone == "987654321"
    assert profile.availability == "Mañanas, de lunes a sábado"
    assert profile.open_to_offers is True


def test_a_current_student_has_no_graduation_date(student):
    profile = student.student
    services.update_profile(profile, student, data(profile, status="estudiante",
                                                   graduation_date=date(2024, 1, 1)), on=TODAY)
    assert db.session.get(StudentProfile, profile.id).graduation_date is None


def test_skills_are_replaced_row_by_row(student):
    profile = student.student
    services.update_profile(profile, student, data(profile, skills="Excel, Soldadura"), on=TODAY)
    services.update_profile(profile, student, data(profile, skills="EXCEL, Pintura"), on=TODAY)
    rows = db.session.scalars(select(StudentSkill).where(StudentSkill.student_id == profile.id)
                              .order_by(StudentSkill.normalized)).all()
    assert [(r.normalized, r.name) for r in rows] == [("excel", "EXCEL"), ("pintura", "Pintura")]


def test_changing_programme_after_verification_reopens_it_and_is_audited(cetpro):
    coordinator = factories.coordinator(cetpro)
    user = factories.student(cetpro, status="estudiante", verified=True)
    profile = user.student
    old_programme = profile.programme_id
    new_programme = factories.programme("Electrónica")
    changed = services.update_profile(profile, user, data(
        profile, programme_id=new_programme.id, module_ids=[new_programme.modules[0].id],
        status="egresado", graduation_date=date(2025, 3, 1)), on=TODAY)
    assert {"programme_id", "status", "modules", "graduation_date"} <= set(changed)
    profile = db.session.get(StudentProfile, profile.id)
    assert profile.verification_state == "pending"
    reopened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "student.verification_reopened"))
    assert reopened.data == {"was": "verified"} and reopened.actor_id == user.id
    notice = db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id))
    assert notice.kind == "student-changed" and notice.url == "/coordinador/estudiantes?verificacion=pendiente"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "student.profile_updated"))
    assert event.actor_id == user.id and event.object_type == "StudentProfile" and event.object_id == profile.id
    assert event.data["programme_id"] == [old_programme, new_programme.id]
    assert event.data["status"] == ["estudiante", "egresado"]
    assert event.data["verified"] is True


def test_a_rejected_student_who_corrects_the_programme_is_asked_about_again(cetpro):
    coordinator = factories.coordinator(cetpro)
    user = factories.student(cetpro, status="estudiante", verified=False)
    user.student.verification_state, user.student.verification_note = "rejected", "Otro programa"
    db.session.commit()
    electronics = factories.programme("Electrónica")
    services.update_profile(user.student, user, data(user.student, programme_id=electronics.id, module_ids=[]),
                            on=TODAY)
    profile = db.session.get(StudentProfile, user.student.id)
    assert (profile.verification_state, profile.verification_note) == ("pending", None)
    assert db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id)) is not None


def test_a_pending_student_changing_programme_tells_nobody_again(student):
    coordinator = factories.coordinator(student.student.cetpro)
    electronics = factories.programme("Electrónica")
    services.update_profile(student.student, student, data(student.student, programme_id=electronics.id,
                                                           module_ids=[]), on=TODAY)
    assert db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id)) is None


def test_saving_without_changes_writes_no_audit(student):
    profile = student.student
    assert services.update_profile(profile, student, data(profile), on=TODAY) == []
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "student.profile_updated")) is None


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"phone": "12345"}, "phone", "El celular tiene 9 dígitos y empieza con 9"),
        ({"status": "egresado", "graduation_date": None}, "graduation_date", "Indica la fecha en que egresaste"),
        ({"status": "titulado", "graduation_date": TODAY + timedelta(days=1)}, "graduation_date",
         "no puede ser futura"),
        ({"programme_id": 999999}, "programme_id", "Elige tu programa de estudios de la lista."),
        ({"programme_id": 0}, "programme_id", "Elige tu programa de estudios de la lista."),
        ({"level": "doctorado"}, "level", "Elige tu nivel"),
        ({"status": "jubilado"}, "status", "Elige tu situación"),
        ({"department_code": "99"}, "department_code", "Elige un departamento de la lista."),
        ({"department_code": "04", "province_code": "1501"}, "province_code", "Elige una provincia de Arequipa"),
        ({"department_code": "04", "province_code": "0401", "district_code": "040201"}, "district_code",
         "Elige un distrito de Arequipa"),
        ({"availability": "x" * 201}, "availability", "Máximo 200 caracteres; escribiste 201."),
        ({"skills": ", ".join(f"oficio {n}" for n in range(21))}, "skills", "hasta 20 habilidades; escribiste 21"),
    ],
)
def test_bad_data_is_refused_and_nothing_changes(student, changes, field, message):
    profile = student.student
    before = services.data_of(profile)
    with pytest.raises(services.ProfileError) as caught:
        services.update_profile(profile, student, data(profile, **{"skills": "Excel", **changes}), on=TODAY)
    assert message in caught.value.errors[field]
    db.session.rollback()
    db.session.expire_all()
    assert services.data_of(db.session.get(StudentProfile, profile.id)) == before


def test_modules_of_another_programme_are_refused(student):
    profile = student.student
    other = factories.programme("Electrónica")
    with pytest.raises(services.ProfileError) as caught:
        services.update_profile(profile, student, data(profile, module_ids=[other.modules[0].id]), on=TODAY)
    assert "no son de Electricidad" in caught.value.errors["module_ids"]
    assert db.session.get(StudentProfile, profile.id).modules == []


def test_every_error_is_reported_at_once(student):
    with pytest.raises(services.ProfileError) as caught:
        services.update_profile(student.student, student, data(
            student.student, phone="1", status="egresado", graduation_date=None, programme_id=0), on=TODAY)
    assert set(caught.value.errors) == {"phone", "graduation_date", "programme_id"}


def test_a_student_edits_only_their_own_profile(student, cetpro):
    other = factories.student(cetpro)
    with pytest.raises(PermissionError):
        services.update_profile(student.student, other, data(student.student), on=TODAY)


def test_missing_checklist_follows_the_profile(student):
    profile = student.student
    # No CV upload is asked for: the generated one stands in (the dashboard offers it).
    assert [m.key for m in queries.missing(profile)] == ["modules", "phone", "open_to_offers"]
    programme = profile.programme
    services.update_profile(profile, student, data(profile, module_ids=[programme.modules[0].id],
                                                   phone="987654321", open_to_offers=True), on=TODAY)
    assert queries.missing(profile) == []


# --- CV -----------------------------------------------------------------------------------


def test_replace_cv_stores_a_random_name_and_drops_the_old_file(app, student):
    profile = student.student
    services.replace_cv(profile, student, upload(minimal_pdf("uno"), name="Mi CV.pdf"))
    first = profile.cv_path
    assert first.startswith("cv/") and first.endswith(".pdf") and "Mi CV" not in first
    assert uploads.read_stored(first) == minimal_pdf("uno")
    services.replace_cv(profile, student, upload(minimal_pdf("dos")))
    assert profile.cv_path != first and profile.cv_uploaded_at is not None
    assert uploads.read_stored(first) is None
    assert uploads.read_stored(profile.cv_path) == minimal_pdf("dos")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("student.cv_uploaded") == 2


def test_a_refused_cv_keeps_the_old_one(app, student):
    profile = student.student
    services.replace_cv(profile, student, upload(minimal_pdf()))
    kept = profile.cv_path
    with pytest.raises(uploads.UploadError):
        services.replace_cv(profile, student, upload(PNG))
    assert db.session.get(StudentProfile, profile.id).cv_path == kept
    assert db.session.scalars(select(StoredFile.key)).all() == [kept]


def test_remove_cv_deletes_the_file(app, student):
    profile = student.student
    services.replace_cv(profile, student, upload(minimal_pdf()))
    key = profile.cv_path
    assert services.remove_cv(profile, student) is True
    assert profile.cv_path is None and profile.cv_uploaded_at is None and uploads.read_stored(key) is None
    assert services.remove_cv(profile, student) is False


# --- portal.uploads -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, expected",
    [
        (minimal_pdf(), True),
        (b"%PDF-1.7\n...\n%%EOF", True),
        (b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\r\n" + b"\x00" * 100, True),
        (b"%PDF-1.7\n...no end", False),
        (b"%%EOF" + b"x" * 3000 + b"%PDF-1.4", False),
        (b" %PDF-1.4\n%%EOF", False),
        (PNG, False),
        (b"Hola, soy un texto con nombre de PDF", False),
        (b"<html><script>alert(1)</script></html>%PDF-1.4 %%EOF", False),
        (b"", False),
    ],
)
def test_looks_like_pdf_reads_the_content(content, expected):
    assert uploads.looks_like_pdf(content) is expected


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"", "cv.pdf", "El archivo está vacío"),
        (PNG, "cv.pdf", "El archivo debe ser un PDF"),
        (b"texto plano", "cv.pdf", "El archivo debe ser un PDF"),
        (pdf_of_size(1024 * 1024 + 1), "cv.pdf", "pesa más de 1 MB"),
    ],
)
def test_store_pdf_refuses_with_a_spanish_message(app, content, name, message):
    with pytest.raises(uploads.UploadError, match=message):
        uploads.store_pdf(upload(content, name), "convenios", 1024 * 1024)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_store_pdf_without_a_file(app):
    with pytest.raises(uploads.UploadError, match="Elige un archivo PDF"):
        uploads.store_pdf(None, "cv", 1024)
    with pytest.raises(uploads.UploadError, match="Elige un archivo PDF"):
        uploads.store_pdf(upload(b"", name=""), "cv", 1024)


def test_store_pdf_accepts_exactly_the_limit(app):
    relative = uploads.store_pdf(upload(pdf_of_size(4096)), "evidencias", 4096)
    db.session.commit()
    row = uploads.stored(relative)
    assert (row.size, row.content_type) == (4096, "application/pdf")
    assert row.sha256 == hashlib.sha256(pdf_of_size(4096)).hexdigest()
    assert uploads.read_stored(relative) == pdf_of_size(4096)


@pytest.mark.parametrize("folder", ["", "../cv", "cv/../..", "CV", "a/b", ".hidden"])
def test_store_refuses_a_bad_folder(app, folder):
    with pytest.raises(ValueError):
        uploads.store_bytes(b"%PDF-1.4 %%EOF", folder, "pdf")


@pytest.mark.parametrize("relative", [
    None, "", "cv/../../etc/passwd", "../cv/" + "a" * 32 + ".pdf", "cv/" + "a" * 32 + ".exe",
    "/etc/passwd", "cv/nombre.pdf", "cv//" + "a" * 32 + ".pdf", "cv/" + "A" * 32 + ".pdf",
])
def test_only_keys_we_made_are_looked_up(app, relative):
    assert uploads.stored(relative) is None and uploads.read_stored(relative) is None
    uploads.remove_stored(relative)  # ignored


def test_a_stored_file_goes_with_its_commit_or_its_rollback(app):
    kept = uploads.store_bytes(b"%PDF-1.4 %%EOF", "cv", "pdf")
    db.session.commit()
    dropped = uploads.store_bytes(b"%PDF-1.4 otro %%EOF", "cv", "pdf")
    db.session.rollback()
    assert uploads.read_stored(kept) == b"%PDF-1.4 %%EOF" and uploads.read_stored(dropped) is None
    uploads.remove_stored(kept)
    db.session.rollback()
    assert uploads.read_stored(kept) is not None  # removing waits for the caller's commit
    uploads.remove_stored(kept)
    db.session.commit()
    assert uploads.read_stored(kept) is None


@pytest.mark.parametrize("size, words", [(2 * 1024 * 1024, "2 MB"), (1024 * 1024, "1 MB"),
                                         (512 * 1024, "512 KB"), (1536 * 1024, "1,5 MB")])
def test_human_size(size, words):
    assert uploads.human_size(size) == words


@pytest.mark.parametrize("name, header", [
    ("CV-Quispe.pdf", 'inline; filename="CV-Quispe.pdf"'),
    ("CV-Núñez-Peña.pdf", "inline; filename=\"CV-Nunez-Pena.pdf\"; filename*=UTF-8''CV-N%C3%BA%C3%B1ez-Pe%C3%B1a.pdf"),
    ('CV-a"b\r\nX-Evil: 1.pdf', 'inline; filename="CV-a-b-X-Evil-1.pdf"; filename*=UTF-8\'\'CV-abX-Evil%3A%201.pdf'),
])
def test_content_disposition_is_safe(name, header):
    assert uploads.content_disposition(name) == header


def test_a_save_that_loses_a_race_is_written_once_on_top(student, monkeypatch):
    """Two tabs saving the same module at once: the loser's commit fails once, then succeeds."""
    from sqlalchemy.exc import IntegrityError

    profile = student.student
    real_commit = db.session.commit
    calls = []

    def commit_once_failing():
        calls.append(1)
        if len(calls) == 1:
            db.session.flush()
            raise IntegrityError("INSERT INTO student_modules", {}, Exception("duplicate key"))
        return real_commit()

    monkeypatch.setattr(db.session, "commit", commit_once_failing)
    programme = profile.programme
    services.update_profile(profile, student, data(profile, module_ids=[programme.modules[0].id],
                                                   skills="Excel"), on=TODAY)
    monkeypatch.undo()
    db.session.expire_all()
    saved = db.session.get(StudentProfile, profile.id)
    assert [m.id for m in saved.modules] == [programme.modules[0].id] and [s.name for s in saved.skills] == ["Excel"]
    assert len(calls) == 2
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "student.profile_updated")).all()
    assert len(events) == 1
