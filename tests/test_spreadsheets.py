"""portal.spreadsheets: the CSV and XLSX every download is written with, opened back."""
import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from portal.spreadsheets import (
    DAY_MONTH_YEAR,
    FORMULA_START,
    ISO_DATE,
    Percent,
    SheetSpec,
    csv_value,
    fitted_widths,
    neutralise,
    write_csv,
    write_xlsx,
)

FORMULAS = ['=HYPERLINK("http://malo.example","clic")', "+51 987654321", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the accents right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def workbook(*specs: SheetSpec, **options):
    return load_workbook(io.BytesIO(write_xlsx(list(specs), **options)))


def test_every_formula_start_is_listed():
    assert set(FORMULA_START) == {"=", "+", "-", "@", "\t", "\r"}
    assert [neutralise(text) for text in FORMULAS] == ["'" + text for text in FORMULAS]
    assert neutralise("Ana = jefa") == "Ana = jefa" and neutralise("") == ""


def test_csv_neutralises_formula_looking_text_and_nothing_else():
    content = write_csv([["a"] * 8, [*FORMULAS, "Ñahui-Quispe", -1]])
    assert content.count(b"\r\n") == 2
    header, row = read_csv(content)
    assert row == ["'" + text for text in FORMULAS] + ["Ñahui-Quispe", "-1"]  # a number is never a formula


@pytest.mark.parametrize("apostrophe", [False, True])
def test_xlsx_never_writes_a_formula(apostrophe):
    sheet = workbook(SheetSpec("Hoja", ["a"] * len(FORMULAS), [FORMULAS]), apostrophe=apostrophe)["Hoja"]
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert all(cell.data_type == "s" for cell in cells)
    expected = ["'" + text for text in FORMULAS] if apostrophe else FORMULAS
    # XML reads a carriage return back as a line feed; the text is otherwise as written.
    assert [cell.value for cell in cells] == [text.replace("\r", "\n") for text in expected]


def test_dates_in_each_format():
    day, moment = date(2024, 12, 5), datetime(2024, 12, 5, 10, 30)
    assert read_csv(write_csv([[day, moment]]))[0] == ["05/12/2024", "05/12/2024"]
    assert read_csv(write_csv([[day]], dates=ISO_DATE))[0] == ["2024-12-05"]
    sheet = workbook(SheetSpec("Fechas", ["día"], [[day]]))["Fechas"]
    assert sheet["A2"].value.date() == day and sheet["A2"].number_format == DAY_MONTH_YEAR.xlsx == "DD/MM/YYYY"
    iso = workbook(SheetSpec("Fechas", ["día"], [[day]]), dates=ISO_DATE)["Fechas"]
    assert iso["A2"].number_format == "yyyy-mm-dd"


def test_percent_none_and_numbers():
    assert [csv_value(v) for v in (Percent(4 / 9), Percent(None), Percent(1), None, 7, 37.5)] == [
        44.4, "", 100.0, "", 7, 37.5]
    sheet = workbook(SheetSpec("Tasas", ["tasa", "n"], [[Percent(0.5), 3], [Percent(None), None]]))["Tasas"]
    assert (sheet["A2"].value, sheet["A2"].number_format, sheet["B2"].value) == (0.5, "0.0%", 3)
    assert sheet["A3"].value is None and sheet["B3"].value is None


def test_widths_fit_the_longest_text_within_bounds():
    rows = [["Eléctrica del Sur S.A.C.", Percent(0.333), date(2024, 1, 1)], ["x" * 100, Percent(None), None]]
    assert fitted_widths(["Empresa", "Tasa", "Fecha"], rows) == [60, 10, 12]
    assert fitted_widths(["Empresa"], [["Eléctrica del Sur S.A.C."]]) == [26]
    sheet = workbook(SheetSpec("Anchos", ["a", "b"], [], widths=(12, 40)))["Anchos"]
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (12, 40)


def test_headers_bold_frozen_text_columns_and_long_titles():
    title = "Días desde el egreso hasta la primera colocación"
    book = workbook(SheetSpec(title, ["DNI", "nombres"], [["01234567", "Ana"]], text_columns=(0,)))
    sheet = book.worksheets[0]
    assert sheet.title == title[:31]
    assert sheet["A1"].font.b and sheet["B1"].font.b and sheet.freeze_panes == "A2"
    assert sheet["A1"].number_format == "@" and sheet["B1"].number_format == "General"
    assert sheet["A2"].value == "01234567"
