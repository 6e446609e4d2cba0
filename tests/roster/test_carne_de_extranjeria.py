"""A roster row identified by a carné de extranjería instead of a DNI (issue 21): the same
checks, the same matching (by document type and number, within the CETPRO), the same outcomes;
the sheet keeps the carné as typed (letters, leading zeros)."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import StudentProfile
from portal.roster import imports, sheets
from portal.roster.sheets import FIELDS, read_sheet
from tests import factories
from tests.helpers.roster import csv_bytes, import_file, preview_html, row, valid_dni, xlsx_bytes

CE = "001234567"  # leading zeros are part of it
CE_LETTERS = "E00987654"


def ce_row(n: int, number: str, **changes) -> dict[str, str]:
    return row(n, dni="", ce=number, **changes)


def check_rows(world, *rows_):
    raw = [(n + 2, [values.get(f, "") for f in FIELDS]) for n, values in enumerate(rows_)]
    return imports.check(raw, world["cetpro"]).rows


def profile_of(number: str) -> StudentProfile | None:
    return db.session.scalar(select(StudentProfile).where(StudentProfile.document_number == number))


def test_a_new_student_with_a_carne_is_created_under_document_type_ce(client, auth, world):
    auth.login(world["coordinator"])
    assert import_file(client, xlsx_bytes([ce_row(1, CE_LETTERS), ce_row(2, CE), row(3)]), "lista.xlsx").status_code == 303
    letters, zeros = profile_of(CE_LETTERS), profile_of(CE)
    assert (letters.document_type, letters.cetpro_id) == ("ce", world["cetpro"].id)
    assert zeros.document_type == "ce" and letters.user.first_names == "Rosa 1"
    assert profile_of(valid_dni(3)).document_type == "dni"


def test_a_carne_already_in_this_cetpro_is_an_update(client, auth, world):
    existing = factories.student(world["cetpro"], document_type="ce", document_number=CE_LETTERS,
                                 email="antes@correo.pe")
    [checked] = check_rows(world, ce_row(1, CE_LETTERS.lower()))  # as typed in lower case: the same carné
    assert checked.errors == [] and checked.action == "update" and checked.user_id == existing.id
    auth.login(world["coordinator"])
    import_file(client, csv_bytes([ce_row(1, CE_LETTERS, first_names="Rosa Cambiada")]))
    assert db.session.scalar(select(func.count()).select_from(StudentProfile)) == 1
    db.session.refresh(existing)
    assert existing.first_names == "Rosa Cambiada"


def test_a_dni_with_the_same_digits_is_not_that_carne(world):
    """A student is matched by type and number: a carné never updates a DNI's student."""
    factories.student(world["cetpro"], document_type="ce", document_number="070000001")
    [by_dni] = check_rows(world, row(1, dni="70000001"))
    assert by_dni.action == "new"


def test_a_carne_of_another_cetpro_is_refused_as_a_dni_is(world):
    factories.student(world["other"], document_type="ce", document_number=CE)
    [checked] = check_rows(world, ce_row(1, CE))
    assert checked.errors == [imports.ALREADY_REGISTERED]


@pytest.mark.parametrize("changes, message", [
    ({"dni": "", "ce": ""}, "Falta el DNI o el carné de extranjería: llena uno de los dos."),
    ({"dni": valid_dni(1), "ce": CE},
     f"DNI «{valid_dni(1)}» y carné de extranjería «{CE}»: llena solo uno de los dos."),
    ({"dni": "", "ce": "12345"},
     "Carné de extranjería «12345»: El carné de extranjería tiene de 9 a 12 letras o números."),
    ({"dni": "", "ce": "E0098765*"},
     "Carné de extranjería «E0098765*»: El carné de extranjería tiene de 9 a 12 letras o números."),
])
def test_each_row_has_exactly_one_valid_document(world, changes, message):
    [checked] = check_rows(world, row(1, **changes))
    assert checked.errors == [message] and checked.action is None


def test_a_carne_repeated_in_the_file_is_refused_on_both_rows(world):
    first, second = check_rows(world, ce_row(1, CE), ce_row(2, CE))
    assert first.errors == second.errors == ["Carné de extranjería repetido en el archivo (filas 2 y 3)."]


def test_the_preview_names_the_row_and_the_column(client, auth, world):
    auth.login(world["coordinator"])
    html = preview_html(client, csv_bytes([ce_row(1, CE_LETTERS), row(2, ce=CE)]))
    assert f"<td>3</td><td>{valid_dni(2)}</td>" in html and "llena solo uno de los dos" in html
    assert f"<td>2</td><td>{CE_LETTERS}</td>" in html  # the valid row, by its carné


def test_the_sheet_keeps_a_carne_as_typed():
    """Letters and leading zeros survive: in CSV, and in an XLSX text cell (the template's CE
    column is text), while a DNI typed as a number regains its zeros as before."""
    from_csv = read_sheet(csv_bytes([ce_row(1, CE), ce_row(2, CE_LETTERS)]), 10)
    got = [dict(zip(FIELDS, values, strict=True)) for _, values in from_csv.rows]
    assert [g["ce"] for g in got] == [CE, CE_LETTERS] and got[0]["dni"] == ""
    workbook = load_workbook(io.BytesIO(sheets.template_xlsx([["Electricidad", "Electrónica básica"]])))
    sheet = workbook["Estudiantes"]
    sheet.append([row(1).get(k, "") if k != "ce" else CE for k in FIELDS])
    assert sheet["B1"].number_format == "@"  # the template marks the column as text, as the DNI's
    buffer = io.BytesIO()
    workbook.save(buffer)
    [(_, values)] = read_sheet(buffer.getvalue(), 10).rows
    assert dict(zip(FIELDS, values, strict=True))["ce"] == CE


def test_the_template_explains_the_column_and_the_export_writes_it(client, auth, world):
    workbook = load_workbook(io.BytesIO(sheets.template_xlsx([])))
    assert list(workbook["Estudiantes"].iter_rows(values_only=True))[0][:2] == ("DNI", "carné de extranjería")
    help_rows = dict(workbook["Instrucciones"].iter_rows(min_row=2, values_only=True))
    assert "uno solo" in help_rows["carné de extranjería"]
    factories.student(world["cetpro"], document_type="ce", document_number=CE_LETTERS)
    factories.student(world["cetpro"], document_number=valid_dni(5))
    auth.login(world["coordinator"])
    exported = client.get("/coordinador/estudiantes/exportar.csv")
    assert exported.status_code == 200
    rows = read_sheet(exported.data, 10).rows
    documents = sorted((values[0], values[1]) for _, values in rows)
    assert documents == sorted([("", CE_LETTERS), (valid_dni(5), "")])
    # and the export imports again: both rows are updates of the same students
    html = preview_html(client, exported.data)
    assert "<b>0</b>nuevos" in html and "<b>2</b>se actualizarán" in html


def test_a_preview_saved_before_the_carne_column_still_reads_right(world):
    """Rows kept in a preview by the previous version have no «ce» value: read in their order."""
    old_fields = [f for f in FIELDS if f != "ce"]
    [checked] = imports.check([(2, [row(1).get(f, "") for f in old_fields])], world["cetpro"]).rows
    assert checked.errors == [] and checked.clean["dni"] == valid_dni(1)
    assert checked.clean["first_names"] == "Rosa 1" and checked.clean["email"] == "rosa1@correo.pe"
