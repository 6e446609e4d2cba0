"""Spreadsheet files the portal writes (CSV and XLSX), from rows of plain Python values.

Every download goes through here, so one rule keeps them safe: text that starts like a
formula (=, +, -, @, tab, carriage return) never runs when a person opens the file (CSV
injection, OWASP): names are typed by people. XLSX stores such text as text; CSV has no
types, so the text gets an apostrophe in front, which spreadsheet programs read as "text".

Values: None is an empty cell; a date is written with a `DateFormat` (dd/mm/aaaa unless
the caller says otherwise); a `Percent` is a share 0–1 (a number with a % format in XLSX,
a percentage with one decimal in CSV); numbers stay numbers.
"""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class DateFormat:
    csv: str  # strftime pattern for the CSV text
    xlsx: str  # the cell's number format


DAY_MONTH_YEAR = DateFormat("%d/%m/%Y", "DD/MM/YYYY")
ISO_DATE = DateFormat("%Y-%m-%d", "yyyy-mm-dd")


@dataclass(frozen=True)
class Percent:
    """A share (0–1): a number with a % format in XLSX, a percentage with one decimal in CSV."""

    value: float | None


def neutralise(text: str) -> str:
    """`text` with an apostrophe in front when it starts like a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_value(value, dates: DateFormat = DAY_MONTH_YEAR) -> str | int | float:
    """What a CSV cell holds for `value`."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return "" if value.value is None else round(value.value * 100, 1)
    if isinstance(value, date):
        return value.strftime(dates.csv)
    if isinstance(value, str):
        return neutralise(value)
    return value


def write_csv(rows: Iterable[Sequence], dates: DateFormat = DAY_MONTH_YEAR) -> bytes:
    """UTF-8 with a BOM (so Excel shows the accents), commas, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_value(value, dates) for value in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _shown(value, dates: DateFormat) -> str:
    """The text a person sees in the cell (for column widths)."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return "" if value.value is None else f"{value.value * 100:.1f}%"
    if isinstance(value, date):
        return value.strftime(dates.csv)
    return str(value)


def fitted_widths(headers: Sequence[str], rows: Iterable[Sequence], dates: DateFormat = DAY_MONTH_YEAR,
                  minimum: int = 10, maximum: int = 60) -> list[int]:
    """Column widths (in characters) that fit each column's longest text, header included,
    with two to spare, kept between `minimum` and `maximum`."""
    longest = [len(header) for header in headers]
    for row in rows:
        for column, value in enumerate(row[:len(longest)]):
            longest[column] = max(longest[column], len(_shown(value, dates)))
    return [min(max(length + 2, minimum), maximum) for length in longest]


@dataclass
class SheetSpec:
    title: str  # Excel keeps at most 31 characters
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[float] = ()
    text_columns: Sequence[int] = ()  # 0-based columns formatted as text (DNI, phone)


def write_xlsx(specs: Sequence[SheetSpec], dates: DateFormat = DAY_MONTH_YEAR, apostrophe: bool = False) -> bytes:
    """A workbook written row by row (openpyxl write-only mode, the cheapest it offers): bold
    headers, the first row frozen, the given column widths.

    `apostrophe` also puts the CSV's apostrophe in front of formula-looking text, so the
    cell shows that it was neutralised (the report does, as its CSV does).
    """
    # openpyxl costs ~125 ms to import: only the requests that write a workbook pay it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in specs:
        sheet = workbook.create_sheet(spec.title[:31])
        sheet.freeze_panes = "A2"
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        text_columns = set(spec.text_columns)

        def header(value: str, column: int, sheet=sheet, text_columns=text_columns):
            item = WriteOnlyCell(sheet, value=value)
            item.font = bold
            if column in text_columns:
                item.number_format = "@"
            return item

        def cell(value, sheet=sheet):
            # Plain values are cheapest; only what needs a type or format gets a cell object.
            if isinstance(value, str) and value.startswith(FORMULA_START):
                if apostrophe:
                    return neutralise(value)
                item = WriteOnlyCell(sheet, value=value)
                item.data_type = "s"  # text, never a formula
                return item
            if isinstance(value, Percent):
                item = WriteOnlyCell(sheet, value=value.value)
                item.number_format = "0.0%"
                return item
            if isinstance(value, date):
                item = WriteOnlyCell(sheet, value=value)
                item.number_format = dates.xlsx
                return item
            return value

        sheet.append([header(value, column) for column, value in enumerate(spec.headers)])
        for row in spec.rows:
            sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
