"""Reading uploads by content (CSV in any usual encoding and delimiter, XLSX) and writing files."""
import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from portal.roster import sheets
from portal.roster.sheets import FIELDS, HEADERS, FileRefused, read_sheet
from tests.helpers.roster import csv_bytes, row, xlsx_bytes


def values(sheet, index=0) -> dict[str, str]:
    return dict(zip(FIELDS, sheet.rows[index][1], strict=False))


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_csv_delimiters_and_encodings(delimiter, encoding, bom):
    content = csv_bytes([row(1, first_names="José Ñahui", modules="A; B")], delimiter, encoding, bom)
    sheet = read_sheet(content, 10)
    assert sheet.kind == "csv"
    assert values(sheet)["first_names"] == "José Ñahui"
    assert values(sheet)["modules"] == "A; B"  # a ";" inside a quoted cell is not a delimiter
    assert values(sheet)["dni"] == "70000001"


def test_bytes_that_are_neither_utf8_nor_cp1252_fall_back_to_latin1():
    content = csv_bytes([row(1, first_names="Ana")], encoding="latin-1").replace(b"Ana", b"Ana\x8d")
    assert values(read_sheet(content, 10))["first_names"] == "Ana\x8d"


def test_headers_in_any_order_case_and_accents_and_blank_rows_keep_their_numbers():
    headers = ("PROVINCIA", "Departamento", "Fecha de Egreso", "estado", "Modulos Certificados", "Programa",
               "Celular", "Correo", "Apellidos", "Nombres", "dni")
    keys = ("province", "department", "graduation_date", "status", "modules", "programme", "mobile", "email",
            "last_names", "first_names", "dni")
    lines = [",".join(headers), ",".join(row(1)[k] for k in keys), ",,,,,,,,,,", ",".join(row(2)[k] for k in keys)]
    sheet = read_sheet("\n".join(lines).encode(), 10)
    assert [line for line, _ in sheet.rows] == [2, 4]
    assert values(sheet, 1)["email"] == "rosa2@correo.pe"


def test_xlsx_dni_numbers_regain_leading_zeros_and_dates_become_iso():
    content = xlsx_bytes([], raw=[[1234567, "", "Ana", "Q", "a@b.pe", 987654321, "Electricidad", "", "egresado",
                                   datetime(2024, 12, 15), "Arequipa", "Arequipa"]])
    sheet = read_sheet(content, 10)
    assert sheet.kind == "xlsx"
    got = values(sheet)
    assert got["dni"] == "01234567" and got["mobile"] == "987654321"
    assert got["graduation_date"] == "2024-12-15"


def test_xlsx_reads_the_roster_sheet_even_when_a_help_sheet_is_active():
    content = sheets.template_xlsx([["Electricidad", "Electrónica básica"]])
    workbook = load_workbook(io.BytesIO(content))
    workbook["Estudiantes"].append([row(1).get(k, "") for k in FIELDS])
    workbook.active = 2  # saved while looking at «Instrucciones»
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = read_sheet(buffer.getvalue(), 10)
    assert values(sheet)["email"] == "rosa1@correo.pe"


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("content, says", [
    (b"", "vacío"),
    (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "no es un CSV ni un XLSX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel antiguo (.xls)"),
    (_zip({"foto.jpg": b"\xff\xd8\xff"}), "comprimido (ZIP)"),
    (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "no una hoja de Excel"),
    (b"PK\x03\x04 not really a zip", "dañado"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"not xml"}), "No pudimos leer la hoja de Excel"),
])
def test_files_that_are_not_csv_or_xlsx_are_refused_in_spanish(content, says):
    with pytest.raises(FileRefused) as refused:
        read_sheet(content, 10)
    assert says in str(refused.value)


def test_a_file_with_only_headers_is_empty():
    with pytest.raises(FileRefused, match="no tiene filas de estudiantes"):
        read_sheet(csv_bytes([]), 10)
    with pytest.raises(FileRefused, match="no tiene filas de estudiantes"):
        read_sheet(xlsx_bytes([]), 10)


def test_missing_headers_are_named():
    headers = tuple(h for h in HEADERS if h not in ("celular", "provincia"))
    with pytest.raises(FileRefused) as refused:
        read_sheet(csv_bytes([row(1)], headers=headers), 10)
    assert "Faltan las columnas celular, provincia" in str(refused.value)
    with pytest.raises(FileRefused, match="Falta la columna DNI"):
        read_sheet(xlsx_bytes([row(1)], headers=("documento",) + HEADERS[1:]), 10)


def test_more_rows_than_the_limit_is_refused():
    with pytest.raises(FileRefused, match="más de 3 filas"):
        read_sheet(csv_bytes([row(n) for n in range(1, 5)]), 3)
    assert len(read_sheet(csv_bytes([row(n) for n in range(1, 4)]), 3).rows) == 3


def test_exports_never_write_formulas():
    nasty = ["=HYPERLINK(\"http://x\")", "+51", "-1", "@SUM(A1)", "Ana", date(2024, 12, 15)]
    text = sheets.write_csv(["a"] * 6, [nasty]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=HYPERLINK(\"http://x\")", "'+51", "'-1", "'@SUM(A1)", "Ana", "15/12/2024"]
    workbook = load_workbook(io.BytesIO(sheets.write_xlsx([sheets.SheetSpec("S", ["a"] * 6, [nasty])])))
    cells = list(workbook["S"].iter_rows(min_row=2, values_only=True))[0]
    assert cells[0] == "=HYPERLINK(\"http://x\")" and workbook["S"]["A2"].data_type == "s"
    assert cells[5].date() == date(2024, 12, 15)


def test_template_workbook_has_the_headers_programmes_and_instructions():
    workbook = load_workbook(io.BytesIO(sheets.template_xlsx([["Electricidad", "Electrónica básica"]])))
    assert workbook.sheetnames == ["Estudiantes", "Programas y módulos", "Instrucciones"]
    assert [c.value for c in workbook["Estudiantes"][1]] == list(HEADERS)
    assert workbook["Estudiantes"].max_row == 1


def test_blank_workbook_without_sheets_content_is_empty():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with pytest.raises(FileRefused, match="no tiene filas"):
        read_sheet(buffer.getvalue(), 10)
