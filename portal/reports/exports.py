"""The report as CSV (one section per figure) and XLSX (one sheet per figure).

Both come from the same `sections()`, so they always carry the same numbers as the
page. Writing is `portal.spreadsheets`: text that starts like a formula (=, +, -, @)
gets an apostrophe in both formats, since employer names are typed by people and a
spreadsheet must never run them (CSV injection, OWASP). Dates are ISO (aaaa-mm-dd).
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.reports.figures import Report
from portal.reports.filters import Selection
from portal.spreadsheets import ISO_DATE, Percent, SheetSpec, fitted_widths, write_csv, write_xlsx


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
        # Exports name a registered company by its razón social and RUC too (Company.display_name).
        Section("Empresas", ["Empresa", "Razón social", "RUC", "Colocaciones"],
                [[r.label, r.legal_name, r.ruc, r.count] for r in report.top_companies]),
        Section("Postulaciones", ["Resultado", "Postulaciones", "Del total (%)"],
                [[r.label, r.count, Percent(r.count / applications if applications else None)]
                 for r in report.outcomes]),
    ]


def to_csv(parts: list[Section]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the accents right; a blank line between sections."""
    rows: list[list] = []
    for index, section in enumerate(parts):
        if index:
            rows.append([])
        rows += [[section.title], section.headers, *section.rows]
    return write_csv(rows, dates=ISO_DATE)


def to_xlsx(parts: list[Section]) -> bytes:
    return write_xlsx(
        [SheetSpec(section.title, section.headers, section.rows,
                   widths=fitted_widths(section.headers, section.rows, dates=ISO_DATE)) for section in parts],
        dates=ISO_DATE, apostrophe=True,
    )
