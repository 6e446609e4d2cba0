"""/coordinador/estudiantes: the list (page and fragment), filters, pages, verification in
place, exports and the template; always within the coordinator's own CETPRO."""
import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Notification, OutboxEmail, StudentProfile
from portal.roster.sheets import EXPORT_HEADERS, HEADERS
from tests import factories
from tests.helpers.events import toast
from tests.helpers.roster import confirm_fields, csv_bytes, import_file, preview_html, row, upload
from tests.helpers.web import HTMX

LIST = "/coordinador/estudiantes"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def person(cetpro, programme=None, first_names="", last_names="", **fields):
    """factories.student with a name (the factory numbers them)."""
    user = factories.student(cetpro, programme, **fields)
    user.first_names, user.last_names = first_names or user.first_names, last_names or user.last_names
    db.session.commit()
    return user


@pytest.fixture
def roster(world):
    """Five students here (two pending, one placed) and one in the other CETPRO."""
    cetpro = world["cetpro"]
    people = {
        "ana": person(cetpro, first_names="Ana", last_names="Huamán", email="ana@correo.pe",
                                 document_number="41111111", graduation_date=date(2023, 12, 1)),
        "beto": person(cetpro, first_names="Beto", last_names="Condori", email="beto@correo.pe",
                                  document_number="42222222", status="estudiante"),
        "caro": person(cetpro, first_names="Carolina", last_names="Quispe", email="caro@correo.pe",
                                  document_number="43333333", verified=False, status="estudiante"),
        "dani": person(cetpro, first_names="Daniel", last_names="Mamani", email="dani@correo.pe",
                                  document_number="44444444", verified=False, status="estudiante"),
        "eva": person(cetpro, factories.programme("Electrónica"), first_names="Eva", last_names="Torres",
                                 email="eva@correo.pe", document_number="45555555", status="titulado",
                                 graduation_date=date(2024, 6, 30)),
        "zoe": person(world["other"], first_names="Zoe", last_names="Ajena", email="zoe@cusco.pe",
                                 document_number="49999999", verified=False),
    }
    factories.placement(people["ana"], date(2025, 3, 1), employer="Electro Sur")
    return people


def names(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)<', html)


# --- Access -------------------------------------------------------------------------------------


def test_anonymous_goes_to_login_and_other_roles_are_refused(client, auth, world, roster):
    response = client.get(LIST)
    assert response.status_code == 302 and "/ingresar" in response.headers["Location"]
    auth.login(roster["ana"])
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}/exportar.csv").status_code == 403
    assert client.post(f"{LIST}/{roster['caro'].student.id}/verificar").status_code == 403


ROSTER_GETS = ["", "?verificacion=pendiente", "/importar", "/plantilla.csv", "/plantilla.xlsx",
               "/exportar.csv", "/exportar.xlsx"]


@pytest.mark.parametrize("suffix", ROSTER_GETS)
def test_every_page_answers_the_coordinator(client, auth, world, roster, suffix):
    auth.login(world["coordinator"])
    assert client.get(LIST + suffix).status_code == 200


def test_another_cetpros_students_do_not_exist_for_a_coordinator(client, auth, world, roster):
    """A coordinator of another CETPRO gets 404 on every URL naming one of ours, and never our rows."""
    ours = roster["caro"].student.id
    auth.login(world["other_coordinator"])
    for action in ("verificar", "rechazar"):
        assert client.post(f"{LIST}/{ours}/{action}", data={"reason": "x"}).status_code == 404
        assert client.post(f"{LIST}/{ours}/{action}", data={"reason": "x"}, headers=HTMX).status_code == 404
    bulk = client.post(f"{LIST}/verificacion", data={"action": "verificar", "student_ids": [str(ours)]}, headers=HTMX)
    assert bulk.status_code == 200 and "Ningún estudiante cambió" in toast(bulk)
    assert db.session.get(StudentProfile, ours).verification_state == "pending"
    page = client.get(LIST).get_data(as_text=True)
    assert names(page) == ["Ajena, Zoe"]
    for q in ("Carolina", "43333333", "caro@correo.pe"):
        assert names(client.get(LIST, query_string={"q": q}).get_data(as_text=True)) == []
    exported = client.get(f"{LIST}/exportar.csv").get_data(as_text=True)
    assert "43333333" not in exported and "49999999" in exported
    workbook = load_workbook(io.BytesIO(client.get(f"{LIST}/exportar.xlsx").data))
    assert [r[0] for r in workbook.active.iter_rows(min_row=2, values_only=True)] == ["49999999"]


def test_a_coordinator_without_a_cetpro_is_refused(client, auth, app):
    lonely = factories._user("coordinator")
    db.session.commit()
    auth.login(lonely)
    assert client.get(LIST).status_code == 403


# --- The list -----------------------------------------------------------------------------------


def test_page_and_fragment(client, auth, world, roster):
    auth.login(world["coordinator"])
    page = client.get(LIST)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Estudiantes de CETPRO Arequipa</h1>" in text
    assert names(text) == ["Condori, Beto", "Huamán, Ana", "Mamani, Daniel", "Quispe, Carolina", "Torres, Eva"]
    assert 'id="roster-filters"' in text and "HX-Request" in page.headers["Vary"]
    fragment = client.get(LIST, headers=HTMX, query_string={"estado": "estudiante", "q": "", "programa": ""})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="roster-results"') and 'id="roster-filters"' not in body
    assert '<hx-partial hx-target="#roster-counts" hx-swap="outerMorph">' in body
    assert names(body) == ["Condori, Beto", "Mamani, Daniel", "Quispe, Carolina"]
    assert fragment.headers["HX-Push-Url"] == "/coordinador/estudiantes?estado=estudiante"


def test_columns_show_dni_programme_status_date_verification_and_placement(client, auth, world, roster):
    auth.login(world["coordinator"])
    text = client.get(LIST, query_string={"q": "Ana"}).get_data(as_text=True)
    row_html = text[text.index(f'id="student-{roster["ana"].student.id}"'):].split("</tr>")[0]
    for expected in ("41111111", "Electricidad", "Egresado(a)", "1 dic. 2023", "Verificado(a)", "<td>Sí</td>"):
        assert expected in row_html


@pytest.mark.parametrize("query, expected", [
    ({"q": "quispe"}, ["Quispe, Carolina"]),
    ({"q": "dani mam"}, ["Mamani, Daniel"]),
    ({"q": "4222"}, ["Condori, Beto"]),
    ({"q": "eva@correo"}, ["Torres, Eva"]),
    ({"programa": "electronica"}, None),
    ({"estado": "titulado"}, ["Torres, Eva"]),
    ({"egreso": "2023"}, ["Huamán, Ana"]),
    ({"verificacion": "pendiente"}, ["Quispe, Carolina", "Mamani, Daniel"]),  # the queue: first come first
    ({"verificacion": "verificado", "colocado": "no"}, ["Condori, Beto", "Torres, Eva"]),
    ({"colocado": "si"}, ["Huamán, Ana"]),
    ({"estado": "nada", "egreso": "abc", "verificacion": "x"}, ["Condori, Beto", "Huamán, Ana", "Mamani, Daniel",
                                                               "Quispe, Carolina", "Torres, Eva"]),
])
def test_filters(client, auth, world, roster, query, expected):
    auth.login(world["coordinator"])
    if query.get("programa") == "electronica":
        query = {"programa": str(factories.programme("Electrónica").id)}
        expected = ["Torres, Eva"]
    assert names(client.get(LIST, headers=HTMX, query_string=query).get_data(as_text=True)) == expected


def test_non_ascii_digits_are_ignored_not_a_server_error(client, auth, world, roster):
    auth.login(world["coordinator"])
    response = client.get(LIST, query_string={"programa": "²", "egreso": "²", "pagina": "²"})
    assert response.status_code == 200 and 'id="roster-results"' in response.get_data(as_text=True)


def test_counts_follow_the_other_filters(client, auth, world, roster):
    auth.login(world["coordinator"])
    text = client.get(LIST, query_string={"estado": "estudiante"}).get_data(as_text=True)
    counts = text[text.index('id="roster-counts"'):text.index("</fieldset>")]
    assert re.search(r"Todos <b>3</b>", counts) and re.search(r"Por verificar <b>2</b>", counts)
    assert re.search(r"Verificados <b>1</b>", counts) and re.search(r"Rechazados <b>0</b>", counts)


def test_pages_of_25_with_numbers(client, auth, world):
    for n in range(30):
        person(world["cetpro"], last_names=f"Apellido{n:02d}", document_number=f"{50000000 + n}")
    auth.login(world["coordinator"])
    first = client.get(LIST).get_data(as_text=True)
    assert len(names(first)) == 25 and 'aria-label="Página 2"' in first
    second = client.get(LIST, headers=HTMX, query_string={"pagina": 2})
    assert len(names(second.get_data(as_text=True))) == 5
    assert second.headers["HX-Push-Url"] == "/coordinador/estudiantes?pagina=2"
    assert 'hx-get="/coordinador/estudiantes" aria-label="Página 1"' in second.get_data(as_text=True)
    beyond = client.get(LIST, query_string={"pagina": 99}).get_data(as_text=True)
    assert len(names(beyond)) == 5  # past the end shows the last page


def test_an_empty_cetpro_is_invited_to_import(client, auth, world):
    auth.login(world["coordinator"])
    text = client.get(LIST).get_data(as_text=True)
    assert "Tu CETPRO aún no tiene estudiantes en el portal" in text


# --- Verification -------------------------------------------------------------------------------


def test_verify_in_place_tells_the_student_and_updates_counts(client, auth, world, roster):
    caro = roster["caro"].student
    auth.login(world["coordinator"])
    response = client.post(f"{LIST}/{caro.id}/verificar?verificacion=pendiente", headers=HTMX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith(f'<tr id="student-{caro.id}"') and "Verificado(a)" in text
    assert '<hx-partial hx-target="#roster-counts"' in text and "Por verificar <b>1</b>" in text
    assert "Verificaste a Carolina Quispe" in toast(response)
    db.session.refresh(caro)
    assert caro.verification_state == "verified"
    note = db.session.scalar(select(Notification).where(Notification.user_id == caro.user_id))
    assert note.kind == "student-verified" and "CETPRO Arequipa verificó tu cuenta" in note.message
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "caro@correo.pe"))
    assert "verificó tu cuenta" in mail.subject
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "student.verified"))
    assert event.object_id == caro.id and event.actor_id == world["coordinator"].id
    again = client.post(f"{LIST}/{caro.id}/verificar", headers=HTMX)
    assert "ya estaba verificado(a)" in toast(again)
    assert count(OutboxEmail) == 1


def test_verify_without_javascript_redirects_back_to_the_same_list(client, auth, world, roster):
    auth.login(world["coordinator"])
    response = client.post(f"{LIST}/{roster['caro'].student.id}/verificar?verificacion=pendiente&pagina=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/coordinador/estudiantes?verificacion=pendiente"
    assert "Verificaste a Carolina Quispe" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_reject_needs_a_reason(client, auth, world, roster):
    dani = roster["dani"].student
    auth.login(world["coordinator"])
    response = client.post(f"{LIST}/{dani.id}/rechazar", data={"reason": "   "}, headers=HTMX)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith(f'<tr id="student-{dani.id}"')
    assert "Escribe el motivo del rechazo" in text and "<details open>" in text
    without_js = client.post(f"{LIST}/{dani.id}/rechazar", data={"reason": ""})
    assert without_js.status_code == 422 and "Escribe el motivo del rechazo" in without_js.get_data(as_text=True)
    db.session.refresh(dani)
    assert dani.verification_state == "pending" and count(Notification) == 0


def test_reject_with_a_reason_in_place(client, auth, world, roster):
    dani = roster["dani"].student
    auth.login(world["coordinator"])
    response = client.post(f"{LIST}/{dani.id}/rechazar", data={"reason": "No figura en nuestras actas"}, headers=HTMX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Rechazado(a)" in text and "Motivo: No figura en nuestras actas" in text
    db.session.refresh(dani)
    assert dani.verification_state == "rejected" and dani.verification_note == "No figura en nuestras actas"
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "dani@correo.pe"))
    assert "Motivo: No figura en nuestras actas" in mail.body_text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "student.rejected"))
    assert event.data["reason"] == "No figura en nuestras actas"


def test_several_at_once(client, auth, world, roster):
    caro, dani, zoe = roster["caro"].student, roster["dani"].student, roster["zoe"].student
    auth.login(world["coordinator"])
    refused = client.post(f"{LIST}/verificacion?verificacion=pendiente",
                          data={"action": "rechazar", "student_ids": [str(caro.id), str(dani.id)], "reason": ""},
                          headers=HTMX)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Escribe el motivo del rechazo" in text
    assert len(re.findall(r'name="student_ids"[^>]* checked>', text)) == 2  # what was marked stays marked
    response = client.post(f"{LIST}/verificacion?verificacion=pendiente",
                           data={"action": "verificar", "student_ids": [str(caro.id), str(dani.id), str(zoe.id)]},
                           headers=HTMX)
    assert response.status_code == 200
    assert "Verificaste a 2 estudiantes." in toast(response)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="roster-results"') and "Por verificar <b>0</b>" in body
    states = dict(db.session.execute(select(StudentProfile.id, StudentProfile.verification_state)).all())
    assert states[caro.id] == states[dani.id] == "verified" and states[zoe.id] == "pending"
    assert count(AuditEvent, AuditEvent.action == "student.verified") == 2
    assert count(OutboxEmail) == 2


def test_bulk_without_choices_is_422(client, auth, world, roster):
    auth.login(world["coordinator"])
    response = client.post(f"{LIST}/verificacion", data={"action": "verificar"}, headers=HTMX)
    assert response.status_code == 422 and "Marca al menos un estudiante." in response.get_data(as_text=True)
    response = client.post(f"{LIST}/verificacion", data={"action": "borrar", "student_ids": ["1"]})
    assert response.status_code == 422


@pytest.mark.parametrize("path, data", [
    ("/verificar", {}),
    ("/rechazar", {"reason": "x"}),
])
def test_decisions_need_csrf(client, auth, world, roster, path, data):
    auth.login(world["coordinator"])
    response = client.post(f"{LIST}/{roster['caro'].student.id}{path}", data=data, csrf=False)
    assert response.status_code == 400
    assert db.session.get(StudentProfile, roster["caro"].student.id).verification_state == "pending"


def test_bulk_upload_and_confirm_need_csrf(client, auth, world, roster):
    auth.login(world["coordinator"])
    ids = [str(roster["caro"].student.id)]
    assert client.post(f"{LIST}/verificacion", data={"action": "verificar", "student_ids": ids},
                       csrf=False).status_code == 400
    assert client.post(f"{LIST}/importar", data={"archivo": (io.BytesIO(csv_bytes([row(1)])), "a.csv")},
                       content_type="multipart/form-data", csrf=False).status_code == 400
    fields = confirm_fields(preview_html(client, csv_bytes([row(1)])))
    assert client.post(f"{LIST}/importar/confirmar", data=fields, csrf=False).status_code == 400
    assert count(StudentProfile) == 6


# --- Template and export ------------------------------------------------------------------------


def test_templates_have_the_spanish_headers(client, auth, world):
    auth.login(world["coordinator"])
    response = client.get(f"{LIST}/plantilla.csv")
    assert response.mimetype == "text/csv" and 'attachment; filename="plantilla-estudiantes.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(response.data.decode("utf-8-sig")))) == list(HEADERS)
    workbook = load_workbook(io.BytesIO(client.get(f"{LIST}/plantilla.xlsx").data))
    assert [c.value for c in workbook["Estudiantes"][1]] == ["DNI", "carné de extranjería", "nombres", "apellidos",
                                                           "correo", "celular", "programa", "módulos declarados", "estado",
                                                           "fecha de egreso", "departamento", "provincia", "sexo",
                                                           "certificados"]
    instructions = {r[0]: r[1] for r in workbook["Instrucciones"].iter_rows(min_row=2, values_only=True)}
    assert "MÓDULO|N° de registro|fecha de emisión" in instructions["certificados"]
    assert "nunca lo ven las empresas" in instructions["sexo"]
    assert "«módulos certificados»: se sigue leyendo" in instructions["módulos declarados"]
    programmes = {r[0] for r in workbook["Programas y módulos"].iter_rows(min_row=2, values_only=True)}
    assert "Electricidad" in programmes


def test_exports_with_filters_open_back(client, auth, world, roster):
    auth.login(world["coordinator"])
    response = client.get(f"{LIST}/exportar.csv", query_string={"estado": "egresado"})
    assert response.headers["Cache-Control"] == "private, no-store"
    assert re.search(r'filename="estudiantes-\d{7}-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == list(EXPORT_HEADERS)
    assert rows[1][:5] == ["41111111", "", "Ana", "Huamán", "ana@correo.pe"]
    assert rows[1][6:] == ["Electricidad", "Instalaciones eléctricas domiciliarias; Instalaciones eléctricas industriales",
                           "egresado", "01/12/2023", "Arequipa", "Arequipa", "", "", "Verificado(a)", "sí"]
    assert len(rows) == 2
    workbook = load_workbook(io.BytesIO(client.get(f"{LIST}/exportar.xlsx", query_string={"verificacion": "pendiente"}).data))
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == list(EXPORT_HEADERS)
    exported = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in exported) == ["43333333", "44444444"]
    assert {r[14] for r in exported} == {"Pendiente de verificación"} and {r[15] for r in exported} == {"no"}
    assert count(AuditEvent, AuditEvent.action == "roster.exported") == 2


def test_an_export_imports_back_as_updates(client, auth, world, roster):
    auth.login(world["coordinator"])
    exported = client.get(f"{LIST}/exportar.xlsx").data
    html = preview_html(client, exported, "exportado.xlsx")
    assert "<b>0</b>nuevos" in html and "<b>5</b>se actualizarán" in html and "<b>0</b>con errores" in html
    csv_export = client.get(f"{LIST}/exportar.csv").data
    assert "<b>5</b>se actualizarán" in preview_html(client, csv_export, "exportado.csv")


def test_import_page_links_the_templates_and_uploads_in_place(client, auth, world):
    auth.login(world["coordinator"])
    text = client.get(f"{LIST}/importar").get_data(as_text=True)
    assert 'href="/coordinador/estudiantes/plantilla.xlsx"' in text and 'hx-encoding="multipart/form-data"' in text
    fragment = client.get(f"{LIST}/importar", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="roster-import"')


def test_imported_students_appear_in_the_list(client, auth, world):
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1, last_names="Apaza"), row(2, last_names="Ccori")]))
    assert names(client.get(LIST).get_data(as_text=True)) == ["Apaza, Rosa 1", "Ccori, Rosa 2"]
    assert upload(client, b"").status_code == 422
