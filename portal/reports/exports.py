"""The report as CSV (one section per figure) and XLSX (one sheet per figure).

Both come from the same `sections()`, so they always carry the same numbers as the
page. Text that starts like a formula (=, +, -, @) is prefixed with an apostrophe:
employer names are typed by people, and a spreadsheet must never run them (CSV
injection, OWASP).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

from portal.reports.figures import Report
from portal.reports.filters import Selection


@dataclass(frozen=True)
class Percent:
    """A share (0–1): a number with a % format in XLSX, a percentage with one decimal in CSV."""

    value: float | None


@dataclass
class Section:
    title: str  # also the sheet name: at most 31 characters
    headers: list[str]
    rows: list[list]


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 1)


def sections(report: Report, selection: Selection) -> list[Section]:
    """Every figure as a table with Spanish headers."""
    summary = Section("Resumen", ["Dato", "Valor"], [
        ["Reporte", "Inserción laboral"],
        ["Ámbito", selection.place],
        ["Egresados(as)", selection.cohort],
        ["Generado el", report.generated_on],
        ["Egresados(as) contados", report.graduates],
        ["Egresados(as) con colocación", report.placed],
        ["Tasa de colocación (%)", Percent(report.rate)],
        ["Mediana de días desde el egreso hasta la primera colocación", _number(report.median_days)],
        ["Egresados(as) en la mediana", report.days_counted],
        ["Colocaciones", report.placements],
        ["Postulaciones", report.applications],
    ])
    rate_headers = ["Egresados(as)", "Colocados(as)", "Tasa de colocación (%)"]
    applications = report.applications
    return [
        summary,
        Section("Por programa", ["Programa", *rate_headers],
                [[r.label, r.graduates, r.placed, Percent(r.rate)] for r in report.by_programme]),
        Section("Por año de egreso", ["Año de egreso", *rate_headers],
                [[r.key, r.graduates, r.placed, Percent(r.rate)] for r in report.by_year]),
        Section("Días hasta la colocación", ["Días desde el egreso hasta la primera colocación", "Egresados(as)"],
                [[r.label, r.count] for r in report.day_ranges]),
        Section("Seguimiento", ["Seguimiento (meses)", "Respuestas", "Siguen trabajando", "No trabajan",
                                "Sin respuesta", "Siguen trabajando (%)"],
                [[r.months, r.answered, r.working, r.not_working, r.unanswered, Percent(r.share)]
                 for r in report.retention]),
        Section("Por tipo", ["Tipo de colocación", "Colocaciones"],
                [[r.label, r.count] for r in report.by_kind]),
        Section("Por departamento", ["Departamento del puesto", "Colocaciones"],
                [[r.label, r.count] for r in report.by_department]),
        Section("Empresas", ["Empresa", "Colocaciones"],
                [[r.label, r.count] for r in report.top_companies]),
        Section("Postulaciones", ["Resultado", "Postulaciones", "Del total (%)"],
                [[r.label, r.count, Percent(r.count / applications if applications else None)]
                 for r in report.outcomes]),
    ]


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, Percent):
        return "" if value.value is None else round(value.value * 100, 1)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _safe(value)
    return value


def to_csv(parts: list[Section]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the accents right; a blank line between sections."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, section in enumerate(parts):
        if index:
            writer.writerow([])
        writer.writerow([section.title])
        writer.writerow(section.headers)
        for row in section.rows:
            writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(parts: list[Section]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for section in parts:
        sheet = workbook.create_sheet(section.title[:31])
        sheet.append(section.headers)
        for cell in sheet[1]:
            cell.font = bold
        widths = [len(h) for h in section.headers]
        for row in section.rows:
            values = []
            for value in row:
                if isinstance(value, Percent):
                    values.append(value.value)
                elif isinstance(value, str):
                    values.append(_safe(value))
                else:
                    values.append(value)
            sheet.append(values)
            for column, value in enumerate(row):
                cell = sheet.cell(row=sheet.max_row, column=column + 1)
                if isinstance(value, Percent):
                    cell.number_format = "0.0%"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                widths[column] = max(widths[column], len(str(value if not isinstance(value, Percent) else "")))
        for column, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + column)].width = min(max(width + 2, 10), 60)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
