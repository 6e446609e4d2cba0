"""CSV and XLSX exports, opened back and compared with the hand-computed figures."""
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import Company
from tests import factories

SHEETS = ["Resumen", "Por programa", "Por año de egreso", "Días hasta la colocación", "Seguimiento",
          "Por tipo", "Por departamento", "Empresas", "Postulaciones"]


def csv_sections(response) -> dict[str, list[list[str]]]:
    """{section title: [header, *rows]} from the blank-line separated CSV."""
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents right
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    sections, current = {}, None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = row[0]
            sections[current] = []
        else:
            sections[current].append(row)
    return sections


def workbook(response):
    return load_workbook(io.BytesIO(response.data))


def sheet_rows(book, name):
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def test_csv_has_one_section_per_figure_with_the_same_numbers(client, auth, world):
    auth.login(world.coordinator_a)
    response = client.get("/coordinador/reportes.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="insercion-laboral-{world.a.codigo_modular}-')
    assert disposition.endswith('.csv"')
    sections = csv_sections(response)
    assert list(sections) == SHEETS

    summary = dict(sections["Resumen"][1:])
    assert summary["Ámbito"] == "CETPRO Santa Rosa"
    assert summary["Egresados(as) contados"] == "9"
    assert summary["Egresados(as) con colocación"] == "4"
    assert summary["Tasa de colocación (%)"] == "44.4"
    assert summary["Mediana de días desde el egreso hasta la primera colocación"] == "37.5"
    assert sections["Por programa"] == [
        ["Programa", "Egresados(as)", "Colocados(as)", "Tasa de colocación (%)"],
        ["Cocina", "3", "1", "33.3"],
        ["Electricidad", "6", "3", "50.0"],
    ]
    assert sections["Por año de egreso"][1:] == [["2024", "7", "3", "42.9"], ["2025", "2", "1", "50.0"]]
    assert sections["Seguimiento"] == [
        ["Seguimiento (meses)", "Respuestas", "Siguen trabajando", "No trabajan", "Sin respuesta",
         "Siguen trabajando (%)"],
        ["3", "4", "3", "1", "1", "75.0"], ["6", "3", "2", "1", "0", "66.7"], ["12", "1", "0", "1", "1", "0.0"],
    ]
    assert sections["Por tipo"][1:] == [["Empleo", "3"], ["Prácticas preprofesionales", "2"],
                                        ["Prácticas profesionales", "1"]]
    assert sections["Por departamento"][1:] == [["Arequipa", "3"], ["Cusco", "1"], ["Lima", "1"],
                                                ["Sin departamento", "1"]]
    # On screen the nombre comercial; the export adds the razón social and RUC of a registered company.
    ruc = {c.legal_name: c.ruc for c in db.session.scalars(select(Company))}
    assert sections["Empresas"] == [
        ["Empresa", "Razón social", "RUC", "Colocaciones"],
        ["Eléctrica del Sur", "Eléctrica del Sur S.A.C.", ruc["Eléctrica del Sur S.A.C."], "3"],
        ["Taller Quispe", "", "", "2"],
        ["Montajes Andinos S.A.C.", "Montajes Andinos S.A.C.", ruc["Montajes Andinos S.A.C."], "1"]]
    assert sections["Postulaciones"][1:] == [["Seleccionados(as)", "1", "14.3"], ["Descartados(as)", "2", "28.6"],
                                             ["Retiradas", "1", "14.3"], ["En proceso", "3", "42.9"]]
    assert sections["Días hasta la colocación"][1][1] == "1"


def test_xlsx_has_one_sheet_per_figure_with_numbers_and_percent_cells(client, auth, world):
    auth.login(world.coordinator_a)
    response = client.get("/coordinador/reportes.xlsx", query_string={"anio": "2024"})

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert '-2024-' in response.headers["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == SHEETS

    rows = sheet_rows(book, "Por programa")
    assert rows[0] == ["Programa", "Egresados(as)", "Colocados(as)", "Tasa de colocación (%)"]
    assert rows[1][:3] == ["Cocina", 3, 1] and rows[1][3] == pytest.approx(1 / 3)
    assert rows[2][:3] == ["Electricidad", 4, 2] and rows[2][3] == pytest.approx(0.5)
    assert book["Por programa"]["D2"].number_format == "0.0%"
    assert sheet_rows(book, "Por año de egreso")[1:] == [[2024, 7, 3, pytest.approx(3 / 7)]]
    summary = dict((row[0], row[1]) for row in sheet_rows(book, "Resumen")[1:])
    assert summary["Egresados(as)"] == "Egresados(as) de 2024 · Todos los programas"
    assert summary["Mediana de días desde el egreso hasta la primera colocación"] == 30
    retention = sheet_rows(book, "Seguimiento")
    assert retention[1] == [3, 2, 2, 0, 1, 1.0]
    assert sheet_rows(book, "Postulaciones")[4][:2] == ["En proceso", 2]


def test_an_empty_report_exports_headers_and_blank_rates(client, auth, app):
    auth.login(factories.coordinator())
    book = workbook(client.get("/coordinador/reportes.xlsx"))
    assert sheet_rows(book, "Por programa") == [
        ["Programa", "Egresados(as)", "Colocados(as)", "Tasa de colocación (%)"]]
    summary = dict((row[0], row[1]) for row in sheet_rows(book, "Resumen")[1:])
    assert summary["Tasa de colocación (%)"] is None
    assert summary["Egresados(as) contados"] == 0
    sections = csv_sections(client.get("/coordinador/reportes.csv"))
    assert dict(sections["Resumen"][1:])["Tasa de colocación (%)"] == ""
    assert sections["Seguimiento"][1] == ["3", "0", "0", "0", "0", ""]


def test_employer_names_that_look_like_formulas_are_neutralised(client, auth, world):
    factories.placement(world.students["e3"], date(2024, 6, 1), employer='=HYPERLINK("http://malo.example","x")',
                        department="04")
    factories.placement(world.students["e4"], date(2024, 6, 1), employer="@SUM(A1)", department="04")
    auth.login(world.coordinator_a)

    companies = {row[0]: row[-1] for row in csv_sections(client.get("/coordinador/reportes.csv"))["Empresas"][1:]}
    assert companies["'=HYPERLINK(\"http://malo.example\",\"x\")"] == "1"
    assert companies["'@SUM(A1)"] == "1"
    book = workbook(client.get("/coordinador/reportes.xlsx"))
    names = [row[0] for row in sheet_rows(book, "Empresas")[1:]]
    assert "'=HYPERLINK(\"http://malo.example\",\"x\")" in names
    assert book["Empresas"]["A2"].data_type == "s"
    assert all(cell.data_type != "f" for row in book["Empresas"].iter_rows() for cell in row)


def test_admin_exports_follow_the_admin_filters(client, auth, world):
    auth.login(world.admin)
    response = client.get("/admin/reportes.csv", query_string={"departamento": "04"})
    assert 'filename="insercion-laboral-departamento-04-' in response.headers["Content-Disposition"]
    summary = dict(csv_sections(response)["Resumen"][1:])
    assert summary["Ámbito"] == "CETPRO de Arequipa"
    assert summary["Egresados(as) contados"] == "11"

    book = workbook(client.get("/admin/reportes.xlsx"))
    summary = dict((row[0], row[1]) for row in sheet_rows(book, "Resumen")[1:])
    assert summary["Ámbito"] == "Todos los CETPRO del Perú"
    assert summary["Egresados(as) contados"] == 12
