"""Importing a roster: every row error, the preview kept server-side, one transaction,
idempotent re-imports, stale previews re-checked, invitations and the welcome link."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal import clock
from portal.clock import utcnow
from portal.extensions import db
from portal.models import AuditEvent, ImportPreview, Module, OutboxEmail, Programme, StudentProfile, User
from portal.roster import imports
from portal.roster.sheets import FIELDS
from tests import factories
from tests.helpers.events import toast
from tests.helpers.roster import (
    MODULES,
    confirm_fields,
    csv_bytes,
    hidden,
    import_file,
    preview_html,
    row,
    upload,
    valid_dni,
    xlsx_bytes,
)
from tests.helpers.web import HTMX

CONFIRM = "/coordinador/estudiantes/importar/confirmar"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def check_rows(world, *rows_, on=None):
    raw = [(n + 2, [values.get(f, "") for f in FIELDS]) for n, values in enumerate(rows_)]
    return imports.check(raw, world["cetpro"], on).rows


def errors_of(world, **changes) -> list[str]:
    return check_rows(world, row(1, **changes))[0].errors


# --- Every kind of row error, in Spanish --------------------------------------------------------


@pytest.mark.parametrize("changes, message", [
    ({"dni": ""}, "Falta el DNI o el carné de extranjería: llena uno de los dos."),
    ({"dni": "1234567"}, "DNI «1234567»: El DNI tiene 8 dígitos; ingresaste 7."),
    ({"dni": "1234567A"}, "DNI «1234567A»: El DNI solo puede tener números."),
    ({"dni": "123456785"}, "DNI «123456785»: El dígito de verificación del DNI no corresponde."),
    ({"first_names": ""}, "Faltan los nombres."),
    ({"last_names": ""}, "Faltan los apellidos."),
    ({"email": ""}, "Falta el correo: lo necesitamos para enviarle la invitación."),
    ({"email": "rosa@correo"}, "El correo «rosa@correo» no es válido (ejemplo: nombre@correo.pe)."),
    ({"mobile": "12345"}, "Celular «12345»: El celular tiene 9 dígitos y empieza con 9 (por ejemplo 987 654 321)."),
    ({"programme": ""}, "Falta el programa de estudios."),
    ({"programme": "Astronáutica"}, "Programa desconocido: «Astronáutica»."),
    ({"modules": "Instalaciones eléctricas domiciliarias; Soldadura submarina"},
     "Módulo desconocido en Electricidad: «Soldadura submarina»."),
    ({"status": ""}, "Falta el estado: estudiante, egresado o titulado."),
    ({"status": "graduado"}, "Estado desconocido «graduado»: usa estudiante, egresado o titulado."),
    ({"graduation_date": "31/02/2024"}, "Fecha de egreso no válida «31/02/2024»: escríbela como dd/mm/aaaa"),
    ({"graduation_date": "diciembre 2024"}, "Fecha de egreso no válida «diciembre 2024»"),
    ({"graduation_date": ""}, "Falta la fecha de egreso: es obligatoria para egresados y titulados."),
    ({"department": "Atlántida"}, "Departamento desconocido «Atlántida»."),
    ({"province": "Gotham"}, "Provincia desconocida «Gotham»."),
    ({"department": "Cusco", "province": "Arequipa"}, "La provincia «Arequipa» no está en el departamento «Cusco»."),
])
def test_each_cell_error_is_explained(world, changes, message):
    errors = errors_of(world, **changes)
    assert any(error.startswith(message) for error in errors), errors


def test_a_date_in_the_future_is_refused(world):
    tomorrow = clock.today() + timedelta(days=1)
    [error] = errors_of(world, graduation_date=tomorrow.strftime("%d/%m/%Y"))
    assert re.fullmatch(r"La fecha de egreso \d{1,2} [a-z]{3}\. \d{4} está en el futuro\.", error), error


def test_duplicate_dni_and_email_in_the_file_name_every_row(world):
    rows = check_rows(world, row(1), row(2, dni=valid_dni(1)), row(3, email="rosa1@correo.pe"))
    assert rows[0].errors == ["DNI repetido en el archivo (filas 2 y 3).", "Correo repetido en el archivo (filas 2 y 4)."]
    assert rows[1].errors == ["DNI repetido en el archivo (filas 2 y 3)."]
    assert rows[2].errors == ["Correo repetido en el archivo (filas 2 y 4)."]


def test_dni_of_another_cetpro_is_refused_without_saying_which(world):
    factories.student(world["other"], document_number=valid_dni(1))
    [checked] = check_rows(world, row(1))
    assert checked.errors == [imports.ALREADY_REGISTERED]
    assert world["other"].name not in " ".join(checked.errors)


def test_an_email_used_by_another_account_is_refused(world):
    factories.employer(email="rosa1@correo.pe")
    assert errors_of(world) == [imports.ALREADY_REGISTERED]


@pytest.mark.parametrize("whose", ["a student of another CETPRO", "an employer", "an admin"])
def test_a_dni_elsewhere_and_an_email_elsewhere_read_the_same(world, whose):
    """Issue 22: the two used to differ («ya está registrado en otro CETPRO», «ya lo usa otra
    cuenta»), which told a coordinator who studies elsewhere and who has an account. Now one
    message says what to do, and nothing about which, or whose."""
    factories.student(world["other"], document_number=valid_dni(1))
    owner = {"a student of another CETPRO": lambda: factories.student(world["other"], email="rosa2@correo.pe"),
             "an employer": lambda: factories.employer(email="rosa2@correo.pe"),
             "an admin": lambda: factories.admin(email="rosa2@correo.pe")}[whose]
    owner()
    by_dni, by_email = check_rows(world, row(1), row(2))
    assert by_dni.errors == by_email.errors == [
        "Ya registrado(a) en el portal: pide al estudiante que solicite su traslado a tu CETPRO escribiendo "
        "al equipo de Enlace CETPRO."]


def test_an_email_of_the_coordinators_own_student_is_named(world):
    factories.student(world["cetpro"], email="rosa1@correo.pe", document_number=valid_dni(9))
    assert errors_of(world) == ["El correo rosa1@correo.pe ya lo usa otro estudiante de tu CETPRO."]


def test_a_valid_row_is_cleaned_and_places_match_without_accents_or_case(world):
    [checked] = check_rows(world, row(1, dni=" 7000 0001 ", email="Rosa1@Correo.PE", mobile="+51 987 654 321",
                                   programme="ELECTRICIDAD", modules="instalaciones electricas DOMICILIARIAS",
                                   status="Egresada", graduation_date="2024-12-15", department="ancash",
                                   province="SANTA"))
    assert checked.errors == [] and checked.action == "new"
    clean = checked.clean
    assert (clean["dni"], clean["email"], clean["mobile"]) == ("70000001", "rosa1@correo.pe", "987654321")
    assert clean["status"] == "egresado" and clean["graduation_date"] == date(2024, 12, 15)
    assert (clean["department_code"], clean["province_code"]) == ("02", "0218")
    assert len(clean["module_ids"]) == 1


def test_an_estudiante_needs_no_date_and_a_province_alone_finds_its_department(world):
    [checked] = check_rows(world, row(1, status="estudiante", graduation_date="", department="", province="Cusco"))
    assert checked.errors == [] and checked.clean["department_code"] == "08"


def test_a_dni_already_in_this_cetpro_is_an_update_with_notes(world):
    existing = factories.student(world["cetpro"], document_number=valid_dni(1), email="antes@correo.pe", verified=False)
    [checked] = check_rows(world, row(1))
    assert checked.action == "update" and checked.user_id == existing.id
    assert any("conserva el correo antes@correo.pe" in note for note in checked.notes)
    assert any("sin verificar" in note for note in checked.notes)


# --- The whole journey over HTTP ----------------------------------------------------------------


def test_upload_shows_a_preview_with_counts_and_saves_nothing(client, auth, world):
    factories.student(world["cetpro"], document_number=valid_dni(2))
    auth.login(world["coordinator"])
    response = upload(client, csv_bytes([row(1), row(2), row(3, dni="123")]), headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="roster-import"')
    assert "<b>1</b>nuevo" in html and "<b>1</b>se actualizará" in html and "<b>1</b>con errores" in html
    assert "El DNI tiene 8 dígitos; ingresaste 3." in html
    assert re.match(r"/coordinador/estudiantes/importar\?vista=[\w-]{32}$", response.headers["HX-Push-Url"])
    assert count(StudentProfile) == 1 and count(OutboxEmail) == 0


def test_the_preview_lives_in_the_database_bound_to_its_coordinator(client, auth, world, app, tmp_path):
    """Any host may serve the confirm: the rows are in the database, not on one host's disk."""
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1)]))
    token = hidden(html, "token")
    stored = db.session.get(ImportPreview, token)
    assert stored.user_id == world["coordinator"].id and stored.cetpro_id == world["cetpro"].id
    assert stored.state == "ready" and len(stored.fingerprint) == 64 and stored.rows[0][0] == 2
    assert not [p for p in tmp_path.rglob("*") if token in p.name]
    with client.session_transaction() as session:
        assert not any("row" in key or "import" in key for key in session)


def test_confirm_imports_new_students_verified_with_modules_and_an_invitation(client, auth, world, app):
    auth.login(world["coordinator"])
    response = import_file(client, csv_bytes([row(1), row(2, status="estudiante", graduation_date="",
                                                         department="", province="", modules="")]))
    assert response.status_code == 303 and response.headers["Location"] == "/coordinador/estudiantes"
    rosa = db.session.scalar(select(User).where(User.email == "rosa1@correo.pe"))
    profile = rosa.student
    assert rosa.role == "student" and rosa.password_hash == "" and not rosa.check_password("")
    assert rosa.phone == "987654321"
    assert profile.cetpro_id == world["cetpro"].id and profile.verification_state == "verified"
    assert profile.graduation_date == date(2024, 12, 15) and profile.status == "egresado"
    assert sorted(m.name for m in profile.modules) == sorted(MODULES)
    assert (profile.department_code, profile.province_code) == ("04", "0401")
    second = db.session.scalar(select(User).where(User.email == "rosa2@correo.pe")).student
    assert (second.department_code, second.province_code) == (world["cetpro"].department_code, world["cetpro"].province_code)
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "rosa1@correo.pe"))
    assert "CETPRO Arequipa te registró en Enlace CETPRO" in mail.subject
    assert "http://localhost/bienvenida/" in mail.body_text and "vale por 7 días" in mail.body_text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.imported"))
    assert event.actor_id == world["coordinator"].id and event.data["new"] == 2


def test_confirm_in_place_answers_the_result_fragment(client, auth, world):
    auth.login(world["coordinator"])
    html = upload(client, csv_bytes([row(1), row(2)]), headers=HTMX).get_data(as_text=True)
    response = client.post(CONFIRM, data=confirm_fields(html), headers=HTMX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="roster-import"') and "Importación terminada" in text
    assert "Importación lista: 2 estudiantes nuevos" in toast(response)


def test_same_file_twice_updates_and_never_duplicates(client, auth, world):
    auth.login(world["coordinator"])
    content = xlsx_bytes([row(n) for n in range(1, 4)])
    import_file(client, content, "lista.xlsx")
    html = preview_html(client, content, "lista.xlsx")
    assert "<b>0</b>nuevos" in html and "<b>3</b>se actualizarán" in html
    client.post(CONFIRM, data=confirm_fields(html))
    assert count(StudentProfile) == 3 and count(User, User.role == "student") == 3
    assert count(OutboxEmail) == 3  # invitations only for the first import
    assert count(AuditEvent, AuditEvent.action == "roster.imported") == 2


def test_an_update_replaces_what_the_file_says_and_keeps_what_it_leaves_empty(client, auth, world):
    student = factories.student(world["cetpro"], document_number=valid_dni(1), modules=1, email="propio@correo.pe")
    student.phone = "912345678"
    db.session.commit()
    profile_id = student.student.id
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1, first_names="Rosa María", mobile="", modules="", department="",
                                         province="", status="titulado")]))
    profile = db.session.get(StudentProfile, profile_id)
    assert profile.user.first_names == "Rosa María" and profile.status == "titulado"
    assert profile.user.email == "propio@correo.pe"  # the person's login is theirs to change
    assert profile.user.phone == "912345678" and len(profile.modules) == 1
    assert (profile.department_code, profile.province_code) == ("04", "0401")
    import_file(client, csv_bytes([row(1, programme="Electrónica", modules="Electrónica digital")]))
    db.session.refresh(profile)
    assert [m.name for m in profile.modules] == ["Electrónica digital"]
    assert profile.programme.name == "Electrónica"


def test_a_failure_mid_import_writes_nothing(client, auth, world, monkeypatch):
    existing = factories.student(world["cetpro"], document_number=valid_dni(9))
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1), row(2), row(9, first_names="Cambiada")]))

    def broken(entries):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_insert_modules", broken)
    with pytest.raises(RuntimeError):
        client.post(CONFIRM, data=confirm_fields(html))
    db.session.rollback()
    assert count(User, User.role == "student") == 1 and count(StudentProfile) == 1
    assert count(OutboxEmail) == 0 and count(AuditEvent, AuditEvent.action == "roster.imported") == 0
    assert db.session.get(User, existing.id).first_names != "Cambiada"
    monkeypatch.undo()
    # The preview was released, not lost: the same confirmation works once the fault is gone.
    assert client.post(CONFIRM, data=confirm_fields(html)).status_code == 303
    assert count(StudentProfile) == 3


def test_a_stale_preview_is_checked_again_and_nothing_is_half_imported(client, auth, world):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1), row(2), row(3)]))
    # Meanwhile another CETPRO registers row 2's person, and someone imports row 3 here.
    factories.student(world["other"], document_number=valid_dni(2))
    factories.student(world["cetpro"], document_number=valid_dni(3))
    response = client.post(CONFIRM, data=confirm_fields(html), headers=HTMX)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Los datos cambiaron desde que viste la vista previa" in text
    assert "<b>1</b>nuevo" in text and "<b>1</b>se actualizará" in text and "<b>1</b>con errores" in text
    assert imports.ALREADY_REGISTERED in text
    assert count(StudentProfile) == 2 and count(OutboxEmail) == 0
    again = client.post(CONFIRM, data=confirm_fields(text), headers=HTMX)
    assert again.status_code == 200 and "Importación terminada" in again.get_data(as_text=True)
    assert count(StudentProfile) == 3 and count(OutboxEmail) == 1


def test_a_race_caught_by_the_database_is_checked_again(client, auth, world, monkeypatch):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1), row(2)]))
    insert_new = imports._insert_new

    def someone_else_first(current, cetpro):
        # Another process commits an account with row 1's email between our check and our write.
        with db.engine.begin() as connection:
            connection.execute(User.__table__.insert().values(
                email="rosa1@correo.pe", role="employer", first_names="Otra", last_names="", password_hash="x",
                active=True, session_version=1, created_at=clock.utcnow()))
        return insert_new(current, cetpro)

    monkeypatch.setattr(imports, "_insert_new", someone_else_first)
    response = client.post(CONFIRM, data=confirm_fields(html))
    assert response.status_code == 409
    assert imports.ALREADY_REGISTERED in response.get_data(as_text=True)
    assert count(StudentProfile) == 0


def test_a_confirm_for_another_file_is_refused(client, auth, world):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1)]))
    fields = {**confirm_fields(html), "fingerprint": "0" * 64}
    assert client.post(CONFIRM, data=fields).status_code == 409
    assert count(StudentProfile) == 0


def test_a_double_click_imports_once_and_answers_the_same(client, auth, world):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1)]))
    fields = confirm_fields(html)
    assert client.post(CONFIRM, data=fields, headers=HTMX).status_code == 200
    again = client.post(CONFIRM, data=fields, headers=HTMX)
    assert again.status_code == 200 and "Importación terminada" in again.get_data(as_text=True)
    assert count(StudentProfile) == 1 and count(OutboxEmail) == 1


def _set_preview(token: str, **values) -> None:
    db.session.execute(update(ImportPreview).where(ImportPreview.token == token).values(**values))
    db.session.commit()


def test_an_import_in_progress_is_not_started_twice_and_an_abandoned_one_is_recovered(client, auth, world):
    auth.login(world["coordinator"])
    fields = confirm_fields(preview_html(client, csv_bytes([row(1)])))
    _set_preview(fields["token"], state="importing", claimed_at=utcnow())  # another request is importing it
    busy = client.post(CONFIRM, data=fields)
    assert busy.status_code == 409 and "ya se está procesando" in busy.get_data(as_text=True)
    # ... and its worker was killed long ago
    _set_preview(fields["token"], claimed_at=utcnow() - timedelta(seconds=imports.CLAIM_TIMEOUT + 1))
    assert client.post(CONFIRM, data=fields).status_code == 303
    assert count(StudentProfile) == 1
    db.session.expire_all()
    assert db.session.get(ImportPreview, fields["token"]).state == "done"


def test_an_expired_preview_must_be_uploaded_again(client, auth, world):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1)]))
    fields = confirm_fields(html)
    _set_preview(fields["token"], created_at=utcnow() - timedelta(seconds=imports.PREVIEW_MAX_AGE + 1))
    response = client.post(CONFIRM, data=fields)
    assert response.status_code == 410 and "La vista previa venció" in response.get_data(as_text=True)
    assert count(StudentProfile) == 0 and db.session.get(ImportPreview, fields["token"]) is None


def test_a_preview_with_no_valid_rows_cannot_be_confirmed(client, auth, world):
    auth.login(world["coordinator"])
    location = upload(client, csv_bytes([row(1, dni="1")])).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "Ninguna fila se puede importar todavía" in html and 'name="revision"' not in html
    token = location.split("vista=")[1]
    preview = imports.load_preview(token, world["coordinator"])
    revision = imports.check(preview.rows, world["cetpro"]).revision
    answer = client.post(CONFIRM, data={"token": token, "fingerprint": preview.fingerprint, "revision": revision})
    assert answer.status_code == 422 and "No hay filas válidas" in answer.get_data(as_text=True)
    assert count(StudentProfile) == 0


@pytest.mark.parametrize("content, name, message", [
    (b"", "vacio.csv", "El archivo está vacío"),
    (b"%PDF-1.7\n%%EOF", "lista.csv", "Es un PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "lista.xlsx", "no es un CSV ni un XLSX"),
    (csv_bytes([]), "lista.csv", "no tiene filas de estudiantes"),
    (csv_bytes([row(1)], headers=("DNI", "nombres")), "lista.csv", "Faltan las columnas apellidos, correo"),
])
def test_refused_files_answer_422_in_spanish_and_save_nothing(client, auth, world, tmp_path, content, name, message):
    auth.login(world["coordinator"])
    response = upload(client, content, name, headers=HTMX)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="roster-import"') and message in text
    assert count(ImportPreview) == 0


def test_no_file_chosen_is_explained(client, auth, world):
    auth.login(world["coordinator"])
    response = client.post("/coordinador/estudiantes/importar", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Elige un archivo CSV o XLSX" in response.get_data(as_text=True)


def test_more_than_5000_rows_is_refused(client, auth, world):
    auth.login(world["coordinator"])
    rows = [row(n, email=f"p{n}@correo.pe") for n in range(1, 5002)]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 422
    assert "más de 5,000 filas" in response.get_data(as_text=True)


def test_5000_rows_import(client, auth, world):
    auth.login(world["coordinator"])
    rows = [row(n, email=f"p{n}@correo.pe") for n in range(1, 5001)]
    html = upload(client, csv_bytes(rows, delimiter=";"), headers=HTMX).get_data(as_text=True)
    assert "<b>5,000</b>nuevos" in html and "… y 4,900 filas válidas más." in html
    response = client.post(CONFIRM, data=confirm_fields(html), headers=HTMX)
    assert response.status_code == 200
    assert count(StudentProfile, StudentProfile.cetpro_id == world["cetpro"].id) == 5000
    assert count(OutboxEmail) == 5000
    modules = db.session.scalar(select(func.count()).select_from(imports.student_modules))
    assert modules == 10000


def test_a_coordinator_never_sees_or_confirms_another_coordinators_preview(client, auth, world):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1)]))
    fields = confirm_fields(html)
    auth.logout()
    auth.login(world["other_coordinator"])
    assert client.get(f"/coordinador/estudiantes/importar?vista={fields['token']}").status_code == 404
    assert client.post(CONFIRM, data=fields).status_code == 404
    assert client.get("/coordinador/estudiantes/importar?vista=../../etc/passwd").status_code == 404
    assert count(StudentProfile) == 0


def test_a_colleague_of_the_same_cetpro_cannot_confirm_it_either(client, auth, world):
    colleague = factories.coordinator(world["cetpro"])
    auth.login(world["coordinator"])
    fields = confirm_fields(preview_html(client, csv_bytes([row(1)])))
    auth.logout()
    auth.login(colleague)
    assert client.post(CONFIRM, data=fields).status_code == 404


# --- The invitation link ------------------------------------------------------------------------


def _welcome_path(email: str) -> str:
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.to_address == email))
    return re.search(r"http://localhost(/bienvenida/\S+)", body).group(1)


def test_the_welcome_link_sets_the_password_signs_in_and_works_once(client, auth, world):
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1)]))
    auth.logout()
    path = _welcome_path("rosa1@correo.pe")
    page = client.get(path)
    assert page.status_code == 200 and "CETPRO Arequipa te registró" in page.get_data(as_text=True)
    weak = client.post(path, data={"password": "corta", "confirm": "corta"})
    assert weak.status_code == 422 and "al menos 10 caracteres" in weak.get_data(as_text=True)
    done = client.post(path, data={"password": "electricista-2025", "confirm": "electricista-2025"})
    assert done.status_code == 303 and done.headers["Location"] == "/estudiante/perfil"
    assert client.get("/estudiante/perfil").status_code == 200
    user = db.session.scalar(select(User).where(User.email == "rosa1@correo.pe"))
    assert user.check_password("electricista-2025")
    assert client.get(path).status_code == 404  # used up
    assert count(AuditEvent, AuditEvent.action == "student.invitation_accepted") == 1


def test_the_welcome_link_expires_after_its_days(client, auth, world, app):
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1)]))
    auth.logout()
    path = _welcome_path("rosa1@correo.pe")
    app.config["ROSTER_INVITE_MAX_AGE"] = -1
    response = client.get(path)
    assert response.status_code == 404 and "Este enlace ya no sirve" in response.get_data(as_text=True)


def test_the_welcome_link_outlives_a_password_reset_link(client, auth, world, app):
    from portal.roster import services

    assert services.invite_max_age() == 7 * 24 * 3600 > app.config["PASSWORD_RESET_MAX_AGE"]
    assert services.INVITE_SALT == "roster-invite"
    forged = client.get("/bienvenida/not-a-token")
    assert forged.status_code == 404


def test_welcome_post_without_csrf_is_400(client, auth, world):
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1)]))
    auth.logout()
    path = _welcome_path("rosa1@correo.pe")
    response = client.post(path, data={"password": "electricista-2025", "confirm": "electricista-2025"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(User.password_hash).where(User.email == "rosa1@correo.pe")) == ""


def test_programmes_and_modules_come_from_the_reference_tables(world):
    programme = db.session.scalar(select(Programme).where(Programme.name == "Electricidad"))
    names = db.session.scalars(select(Module.name).where(Module.programme_id == programme.id))
    assert set(MODULES) <= set(names)


# --- Issue 22: imports are limited per coordinator and on record --------------------------------


def test_every_checked_file_is_audited_with_who_which_file_and_its_counts(client, auth, world):
    factories.student(world["other"], document_number=valid_dni(2))
    auth.login(world["coordinator"])
    upload(client, csv_bytes([row(1), row(2), row(3, dni="123")]), filename="promoción 2024.csv")
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.import_checked")).all()
    assert event.actor_id == world["coordinator"].id and event.object_id == world["cetpro"].id
    assert event.data == {**event.data, "file": "promoción 2024.csv", "rows": 3, "new": 1, "updated": 0,
                          "failed": 2, "already_registered": 1}
    # A file that is not read checks nothing, and is not on record.
    upload(client, b"%PDF-1.4 no es una lista", filename="lista.csv")
    assert count(AuditEvent, AuditEvent.action == "roster.import_checked") == 1


@pytest.mark.parametrize("partial", [False, True], ids=["page", "fragment"])
def test_imports_are_limited_per_coordinator_with_a_spanish_429(app, client, auth, world, partial):
    app.config["ROSTER_IMPORT_LIMIT"] = "2 per hour"
    headers = HTMX if partial else {}
    auth.login(world["coordinator"])
    assert upload(client, b"no es una lista", headers=headers).status_code == 422  # a refused file does not count
    for n in (1, 2):
        assert upload(client, csv_bytes([row(n)]), headers=headers).status_code in (200, 303)
    refused = upload(client, csv_bytes([row(3)]), headers=headers)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    text = refused.get_data(as_text=True)
    assert "Revisaste muchos archivos de estudiantes en poco tiempo" in text and ("<html" in text) is not partial
    assert count(AuditEvent, AuditEvent.action == "roster.import_checked") == 2
    # The limit is hers: a colleague of another CETPRO, from the same address, still imports.
    auth.logout()
    auth.login(world["other_coordinator"])
    assert upload(client, csv_bytes([row(4)]), headers=headers).status_code in (200, 303)


def test_a_nonsense_limit_refuses_to_start(monkeypatch):
    from portal import config

    monkeypatch.setenv("ROSTER_IMPORT_LIMIT", "diez por hora")
    assert any(line.startswith("ROSTER_IMPORT_LIMIT='diez por hora' no es un límite") for line in config.problems())


def test_previews_nobody_came_back_for_are_purged_every_night(client, auth, world):
    """A preview's rows hold people's DNIs and emails: the nightly retention job removes the
    ones older than two hours even when no coordinator uploads again."""
    from portal import worker

    auth.login(world["coordinator"])
    old = confirm_fields(preview_html(client, csv_bytes([row(1)])))["token"]
    fresh = confirm_fields(preview_html(client, csv_bytes([row(2)])))["token"]
    _set_preview(old, created_at=utcnow() - timedelta(seconds=2 * imports.PREVIEW_MAX_AGE + 1))
    assert worker._retention() >= 1
    db.session.expire_all()
    assert db.session.get(ImportPreview, old) is None and db.session.get(ImportPreview, fresh) is not None


def test_a_file_name_with_control_characters_is_kept_without_them():
    """A NUL in an uploaded file's name (PostgreSQL's text refuses it) or a line break."""
    assert imports.shown_name("lista\x00.csv") == "lista.csv"
    assert imports.shown_name("lista\r\nX-Evil: 1.csv") == "listaX-Evil: 1.csv"
    assert imports.shown_name("Ñandú 2026 — matrícula.xlsx") == "Ñandú 2026 — matrícula.xlsx"
    assert imports.shown_name(None) == "" and len(imports.shown_name("a" * 500)) == 200
