"""The roster import's optional columns: «sexo», «certificados» (through the certificates
service, with its rules), and «módulos declarados» (the old «módulos certificados» still
read). Each bad cell names its row's column and reason, and a bad row changes nothing."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal import clock
from portal.certificates import services as certificate_services
from portal.extensions import db
from portal.models import AuditEvent, Certificate, Module, StudentProfile, User
from portal.roster import imports
from portal.roster.sheets import FIELDS, HEADERS, read_sheet
from tests import factories
from tests.helpers.roster import ELECTRICIDAD, MODULES, csv_bytes, import_file, preview_html, row, valid_dni

CERTIFIED = f"{MODULES[0]}|0123-2026|2026-07-15"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def check_rows(world, *rows_, on=None):
    raw = [(n + 2, [values.get(f, "") for f in FIELDS]) for n, values in enumerate(rows_)]
    return imports.check(raw, world["cetpro"], on).rows


def errors_of(world, **changes) -> list[str]:
    return check_rows(world, row(1, **changes))[0].errors


def profile_of(dni: str) -> StudentProfile:
    return db.session.scalar(select(StudentProfile).where(StudentProfile.document_number == dni))


# --- sexo -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written, kept", [
    ("femenino", "femenino"), ("Femenina", "femenino"), ("MUJER", "femenino"), ("F", "femenino"),
    ("masculino", "masculino"), ("Hombre", "masculino"), ("m", "masculino"),
    ("Prefiero no decir", "prefiero_no_decir"), ("", None),
])
def test_sexo_reads_the_words_people_write(world, written, kept):
    [checked] = check_rows(world, row(1, sex=written))
    assert checked.errors == [] and checked.clean["sex"] == kept


def test_an_unknown_sexo_is_explained_and_the_row_is_not_imported(world):
    [checked] = check_rows(world, row(1, sex="otro"))
    assert checked.errors == ["Sexo desconocido «otro»: usa femenino, masculino o prefiero no decir "
                              "(o deja la celda vacía)."]
    assert checked.action is None


def test_sexo_is_stored_on_the_profile_and_an_empty_cell_keeps_it(client, auth, world):
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1, sex="femenino"), row(2)]))
    assert profile_of(valid_dni(1)).sex == "femenino" and profile_of(valid_dni(2)).sex is None
    import_file(client, csv_bytes([row(1, sex=""), row(2, sex="prefiero no decir")]))
    db.session.expire_all()
    assert profile_of(valid_dni(1)).sex == "femenino" and profile_of(valid_dni(2)).sex == "prefiero_no_decir"


def test_an_imported_sexo_never_reaches_an_employer(client, auth, world):
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1, sex="femenino", certificates=CERTIFIED)]))
    profile = profile_of(valid_dni(1))
    company = factories.company()
    opening = factories.opening(company)
    application = factories.application(opening, profile.user)
    auth.login(factories.employer(company))
    for url in (f"/empresa/postulaciones/{application.id}", f"/empresa/ofertas/{opening.id}/postulantes"):
        text = client.get(url).get_data(as_text=True)
        assert "Rosa 1" in text and "Certificado por CETPRO Arequipa" in text
        assert "emenino" not in text and "Sexo" not in text, url


# --- certificados -------------------------------------------------------------------------------------


def test_certificates_are_recorded_by_the_import_through_the_service(client, auth, world):
    auth.login(world["coordinator"])
    cell = f"{CERTIFIED}; {MODULES[1]}|0124-2026|01/08/2026"
    response = import_file(client, csv_bytes([row(1, certificates=cell), row(2)]))
    assert response.status_code == 303
    profile = profile_of(valid_dni(1))
    recorded = db.session.scalars(select(Certificate).where(Certificate.student_id == profile.id)
                                  .order_by(Certificate.number)).all()
    assert [(c.module.name, c.number, c.issued_on, c.state) for c in recorded] == [
        (MODULES[0], "0123-2026", date(2026, 7, 15), "vigente"), (MODULES[1], "0124-2026", date(2026, 8, 1), "vigente")]
    assert {c.cetpro_id for c in recorded} == {world["cetpro"].id}
    assert {c.recorded_by_id for c in recorded} == {world["coordinator"].id}
    assert all(len(c.code) == certificate_services.CODE_LENGTH for c in recorded)
    # Each has its own place in the credentials' status lists, drawn by the portal's rule.
    assert len({c.status_index for c in recorded}) == 2
    assert all(0 <= c.status_index < certificate_services.STATUS_LIST_SIZE for c in recorded)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.recorded")).all()
    assert sorted(e.object_id for e in events) == sorted(c.id for c in recorded)
    assert all(e.actor_id == world["coordinator"].id and e.data["student_id"] == profile.id for e in events)
    imported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.imported"))
    assert imported.data["certificates"] == 2
    # Each one can be checked publicly, like one recorded by hand.
    assert client.get(f"/verificar/{recorded[0].code}").status_code == 200


def test_the_result_counts_the_certificates_recorded(client, auth, world):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1, certificates=CERTIFIED)]))
    from tests.helpers.roster import confirm_fields
    response = client.post("/coordinador/estudiantes/importar/confirmar", data=confirm_fields(html),
                           headers={"HX-Request": "true"})
    assert "<b>1</b>certificado registrado" in response.get_data(as_text=True)


@pytest.mark.parametrize("cell, message", [
    ("Tableros eléctricos 0123-2026 2026-07-15",
     "Certificados: «Tableros eléctricos 0123-2026 2026-07-15» no se entiende. Escribe cada uno como "
     "MÓDULO|N° de registro|fecha"),
    (f"{MODULES[0]}||2026-07-15", f"Certificados: «{MODULES[0]}||2026-07-15» no se entiende."),
    ("Cocina peruana|0123-2026|2026-07-15", "Certificados: «Cocina peruana» no es un módulo de Electricidad."),
    (f"{MODULES[0]}|0123-2026|julio 2026",
     "Certificados: la fecha «julio 2026» del certificado N° 0123-2026 no es válida: escríbela como aaaa-mm-dd"),
    (f"{MODULES[0]}|0123-2026|31/02/2026", "Certificados: la fecha «31/02/2026» del certificado N° 0123-2026"),
    (f"{MODULES[0]}|<b>|2026-07-15",
     f"Certificados: «{MODULES[0]} N° <b>»: El número de registro solo lleva letras, números"),
    (f"{MODULES[0]}|{'9' * 41}|2026-07-15", "El número de registro tiene como máximo 40 caracteres."),
    (f"{MODULES[0]}|0123-2026|1975-01-01", "Revisa la fecha de emisión: es anterior a 1980."),
    (f"{MODULES[0]}|0123-2026; {MODULES[0]}|0124-2026|2026-07-15", "no se entiende"),
    (f"{MODULES[0]}|0123-2026|2026-07-15; {MODULES[0]}|0124-2026|2026-07-16",
     f"Certificados: «{MODULES[0]} N° 0123-2026»: hay más de un certificado de ese módulo. Deja uno."),
    (f"{MODULES[0]}|0123-2026|2026-07-15; {MODULES[1]}|0123-2026|2026-07-16",
     f"Certificados: «{MODULES[0]} N° 0123-2026»: el número 0123-2026 se repite."),
])
def test_each_certificate_error_is_explained(world, cell, message):
    errors = errors_of(world, certificates=cell)
    assert any(message in error for error in errors), errors


def test_a_certificate_dated_after_today_is_refused(world):
    tomorrow = clock.today() + timedelta(days=1)
    [error] = errors_of(world, certificates=f"{MODULES[0]}|0123-2026|{tomorrow.isoformat()}")
    assert error == (f"Certificados: «{MODULES[0]} N° 0123-2026»: La fecha de emisión no puede ser "
                     "posterior a hoy.")
    assert errors_of(world, certificates=f"{MODULES[0]}|0123-2026|{clock.today().isoformat()}") == []


def test_a_module_of_another_programme_is_refused_even_if_it_exists(world):
    [error] = errors_of(world, certificates="Electrónica digital|0123-2026|2026-07-15")
    assert error == "Certificados: «Electrónica digital» no es un módulo de Electricidad."


def test_a_number_is_unique_per_cetpro_in_the_database_and_across_rows(world):
    other = factories.student(world["cetpro"])
    module = other.student.programme.modules[0]
    certificate_services.record(world["coordinator"], other.student.id,
                                certificate_services.CertificateData(module.id, "0123-2026", date(2026, 1, 5)))
    [error] = errors_of(world, certificates=CERTIFIED)
    assert error == (f"Certificados: «{MODULES[0]} N° 0123-2026»: Tu CETPRO ya registró un certificado con el "
                     "número 0123-2026. Revisa el número: cada certificado tiene el suyo.")
    first, second = check_rows(world, row(1, certificates=f"{MODULES[0]}|0999-2026|2026-07-15"),
                               row(2, certificates=f"{MODULES[1]}|0999-2026|2026-07-15"))
    assert first.errors and second.errors and first.action is None and second.action is None
    # Another CETPRO's numbers are its own: the same number is free here.
    elsewhere = factories.student(world["other"])
    certificate_services.record(world["other_coordinator"], elsewhere.student.id, certificate_services.CertificateData(
        elsewhere.student.programme.modules[0].id, "0777-2026", date(2026, 1, 5)))
    assert errors_of(world, certificates=f"{MODULES[0]}|0777-2026|2026-07-15") == []


def test_a_module_with_a_certificate_in_force_needs_the_old_one_revoked_first(world):
    student = factories.student(world["cetpro"], document_number=valid_dni(1))
    module = db.session.scalar(select(Module).where(Module.name == MODULES[0]))
    old = certificate_services.record(world["coordinator"], student.student.id,
                                      certificate_services.CertificateData(module.id, "0100-2025", date(2025, 1, 5)))
    [error] = errors_of(world, certificates=CERTIFIED)
    assert error == (f"Certificados: «{MODULES[0]} N° 0123-2026»: Esa persona ya tiene un certificado vigente "
                     "de ese módulo. Si el anterior tiene un error, revócalo primero.")
    certificate_services.revoke(world["coordinator"], old, "Número mal escrito")
    assert errors_of(world, certificates=CERTIFIED) == []


def test_a_bad_certificate_keeps_the_whole_row_out_and_changes_nothing(client, auth, world):
    student = factories.named(factories.student(world["cetpro"], document_number=valid_dni(1)), "Rosa", "Antes")
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([
        row(1, last_names="Después", sex="femenino", certificates=f"{CERTIFIED}; Cocina peruana|0124-2026|2026-07-15"),
        row(2, certificates=f"{MODULES[1]}|0200-2026|2026-07-15"),
    ]))
    db.session.expire_all()
    assert student.last_names == "Antes" and student.student.sex is None
    assert count(Certificate, Certificate.student_id == student.student.id) == 0
    assert [(c.number, c.student.document_number) for c in db.session.scalars(select(Certificate))] == [
        ("0200-2026", valid_dni(2))]


def test_the_preview_names_the_row_and_the_column(client, auth, world):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([row(1), row(2, certificates="Cocina peruana|1|2026-07-15")]))
    import html as html_module
    import re
    cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r'<tr class="row-error">(.*?)</tr>', html, re.S)]
    [shown] = [" ".join(html_module.unescape(cell).split()) for cell in cells]
    assert shown.startswith(f"3 {valid_dni(2)} Rosa 2 Quispe Mamani")
    assert shown.endswith("Certificados: «Cocina peruana» no es un módulo de Electricidad.")
    assert count(Certificate) == 0


def test_the_same_file_twice_records_each_certificate_once(client, auth, world):
    auth.login(world["coordinator"])
    content = csv_bytes([row(1, certificates=CERTIFIED)])
    import_file(client, content)
    html = preview_html(client, content)
    assert "<b>0</b>con errores" in html
    from tests.helpers.roster import confirm_fields
    client.post("/coordinador/estudiantes/importar/confirmar", data=confirm_fields(html))
    assert count(Certificate) == 1 and count(AuditEvent, AuditEvent.action == "certificate.recorded") == 1
    # The same number with another date is another certificate: refused, not a silent change.
    [error] = errors_of(world, certificates=f"{MODULES[0]}|0123-2026|2026-07-16")
    assert "Tu CETPRO ya registró un certificado con el número 0123-2026" in error


def test_an_imported_certificate_counts_in_matching_and_shows_as_certified(client, auth, world):
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1, certificates=CERTIFIED), row(2)]))
    opening = factories.opening(factories.company(), title="Técnico electricista")  # requires both modules
    body = client.get(f"/coordinador/ofertas/{opening.id}/candidatos").get_data(as_text=True)
    assert body.index("Rosa 1") < body.index("Rosa 2")  # certified first, though both declared both
    assert "Certificado por CETPRO Arequipa (N° 0123-2026, 15 jul. 2026)" in body


# --- módulos declarados, the old header, optional columns ------------------------------------------------


def test_the_old_modulos_certificados_header_still_reads_as_declared_modules(world):
    old = tuple("módulos certificados" if h == "módulos declarados" else h for h in HEADERS)
    sheet = read_sheet(csv_bytes([row(1)], headers=old), 10)
    values = dict(zip(FIELDS, sheet.rows[0][1], strict=True))
    assert values["modules"] == "; ".join(MODULES) and values["certificates"] == ""


def test_a_file_without_the_optional_columns_reads_as_before(client, auth, world):
    # the template before «carné de extranjería», «sexo» and «certificados»
    old_template = tuple(h for h in HEADERS[:12] if h != "carné de extranjería")
    old_fields = [f for f in FIELDS[:12] if f != "ce"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["módulos certificados" if h == "módulos declarados" else h for h in old_template])
    writer.writerow([row(1)[key] for key in old_fields])
    sheet = read_sheet(buffer.getvalue().encode(), 10)
    assert dict(zip(FIELDS, sheet.rows[0][1], strict=True))["sex"] == ""
    assert dict(zip(FIELDS, sheet.rows[0][1], strict=True))["ce"] == ""
    auth.login(world["coordinator"])
    import_file(client, buffer.getvalue().encode())
    assert sorted(m.name for m in profile_of(valid_dni(1)).modules) == sorted(MODULES)


# --- The export writes the same columns, and imports back ----------------------------------------


def test_the_export_writes_sexo_and_certificates_in_force_and_imports_back(client, auth, world):
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([row(1, sex="femenino",
                                          certificates=f"{CERTIFIED}; {MODULES[1]}|0124-2026|2026-08-01"), row(2)]))
    revoked = db.session.scalar(select(Certificate).where(Certificate.number == "0124-2026"))
    certificate_services.revoke(world["coordinator"], revoked, "Error de registro")
    workbook = load_workbook(io.BytesIO(client.get("/coordinador/estudiantes/exportar.xlsx").data))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[valid_dni(1)]["sexo"] == "femenino" and rows[valid_dni(1)]["certificados"] == CERTIFIED
    assert rows[valid_dni(2)]["sexo"] in (None, "") and rows[valid_dni(2)]["certificados"] in (None, "")
    html = preview_html(client, client.get("/coordinador/estudiantes/exportar.xlsx").data, "exportado.xlsx")
    assert "<b>2</b>se actualizarán" in html and "<b>0</b>con errores" in html


# --- Rows in, results out: what another caller (the API's roster sync) uses -------------------------------


def test_check_records_takes_rows_as_fields_and_answers_each_row(world):
    records = [
        (1, {"dni": valid_dni(1), "first_names": "Rosa", "last_names": "Quispe", "email": "r@correo.pe",
             "programme": ELECTRICIDAD, "status": "estudiante", "certificates": CERTIFIED, "sex": "F"}),
        (2, {"dni": "123", "first_names": "Luis"}),
    ]
    first, second = imports.check_records(records, world["cetpro"]).rows
    assert first.errors == [] and first.action == "new" and first.clean["sex"] == "femenino"
    assert [c.number for c in first.clean["certificates"]] == ["0123-2026"]
    assert second.action is None and any(e.startswith("DNI «123»") for e in second.errors)
    assert count(User, User.role == "student") == 0 and count(Certificate) == 0  # checking writes nothing


def test_write_records_the_valid_rows_in_the_callers_transaction(world):
    check = imports.check_records([(1, {**row(1), "certificates": CERTIFIED}), (2, {**row(2), "sex": "?"})],
                                  world["cetpro"])
    written = imports.write(check, world["cetpro"], world["coordinator"])
    assert len(written.created_ids) == 1 and written.certificates == 1
    db.session.rollback()  # not committed: the caller decides
    assert count(StudentProfile) == 0 and count(Certificate) == 0
