"""The Seguimiento de egresados page and its downloads, for a coordinator's CETPRO
(/coordinador/seguimiento-egresados) and for admins across CETPROs (/admin/seguimiento-egresados).

Every rate is shown with the share of the cohort it is built on (the knowledge rate), on
the page, in the charts and in the files, so a rate built on 20 % of a cohort is never read
as one built on 90 %.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, request, url_for
from werkzeug.datastructures import MultiDict

from portal import htmx, places, spreadsheets
from portal.access import current_cetpro
from portal.extensions import db
from portal.formatting import number, percent
from portal.models import Cetpro
from portal.reports import charts, exports, filters
from portal.reports.figures import programme_choices
from portal.reports.outcomes import CohortRow, OutcomeScope, Seguimiento, compute, ugels
from portal.uploads import attachment


@dataclass(frozen=True)
class Choice:
    scope: OutcomeScope
    place: str
    programmes: list[tuple[int, str]]
    admin: bool = False

    def args(self) -> dict:
        s = self.scope
        values = {"anio": s.year, "programa": s.programme_id}
        if self.admin:
            values.update(departamento=s.department_code, ugel=s.ugel, cetpro=s.cetpro_id)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _year_programme(args: MultiDict, programmes: list[tuple[int, str]]) -> tuple[int | None, int | None]:
    parsed = filters.ReportFilters.from_args(args)
    return parsed.anio, parsed.programa if parsed.programa in dict(programmes) else None


def coordinator_choice() -> Choice:
    """Always the coordinator's own CETPRO; asking for another one is a 404."""
    cetpro = current_cetpro()
    if (request.args.get("cetpro") or "").strip() and filters.requested_cetpro(request.args) != cetpro.id:
        abort(404)
    programmes = programme_choices(filters.Scope(cetpro_id=cetpro.id))
    year, programme_id = _year_programme(request.args, programmes)
    return Choice(OutcomeScope(cetpro_id=cetpro.id, year=year, programme_id=programme_id), cetpro.name, programmes)


def admin_choice() -> Choice:
    """National, or by department (where the CETPRO is), UGEL or one CETPRO."""
    parsed = filters.ReportFilters.from_args(request.args)
    programmes = programme_choices(filters.Scope())
    year, programme_id = _year_programme(request.args, programmes)
    department = parsed.departamento
    ugel = (request.args.get("ugel") or "").strip() or None
    if ugel is not None and ugel not in ugels(department):
        ugel = None  # not a UGEL of the chosen department: the department was just changed and wins
    cetpro = None
    if parsed.cetpro is not None:
        cetpro = db.session.get(Cetpro, parsed.cetpro)
        if cetpro is None:
            abort(404)
    scope = OutcomeScope(cetpro_id=cetpro.id if cetpro else None, department_code=department, ugel=ugel,
                         year=year, programme_id=programme_id)
    if cetpro is not None:
        place = cetpro.name
    elif ugel:
        place = ugel
    elif department:
        place = f"CETPRO de {places.label(department)}"
    else:
        place = "Todos los CETPRO del Perú"
    return Choice(scope, place, programmes, admin=True)


def figure(rate: float | None, knowledge: float | None, what: str) -> str:
    """"62 % empleados — sobre 40 % con resultado conocido": the rate and what it is built on."""
    if rate is None:
        return f"Sin datos de {what} — sobre {percent(knowledge, '0 %')} con resultado conocido"
    return f"{percent(rate)} {what} — sobre {percent(knowledge)} con resultado conocido"


def year_chart(result: Seguimiento) -> charts.BarChart:
    """Employed share by cohort; each bar's value names the knowledge rate it stands on."""
    bars = []
    for index, row in enumerate(result.by_year):
        value = f"{percent(row.employed_rate)} · conocido {percent(row.knowledge_rate)}"
        label = f"Egreso {row.year}"
        bars.append(charts.Bar(label, value, index * charts.ROW, round((row.employed_rate or 0) * charts.WIDTH, 1)))
    summary = "; ".join(f"Egreso {row.year}: {figure(row.employed_rate, row.knowledge_rate, 'empleados(as)')} "
                        f"({number(row.known)} de {number(row.graduates)} egresados(as))" for row in result.by_year)
    return charts.BarChart("chart-seguimiento-year", "Empleados(as) o independientes por año de egreso",
                           summary + ".", bars, track=True)


def knowledge_chart(result: Seguimiento) -> charts.BarChart:
    bars = []
    for index, row in enumerate(result.by_year):
        value = f"{percent(row.knowledge_rate)} · {number(row.known)} de {number(row.graduates)}"
        bars.append(charts.Bar(f"Egreso {row.year}", value, index * charts.ROW,
                               round((row.knowledge_rate or 0) * charts.WIDTH, 1)))
    summary = "; ".join(f"Egreso {row.year}: resultado conocido de {number(row.known)} de {number(row.graduates)} "
                        f"({percent(row.knowledge_rate)})" for row in result.by_year)
    return charts.BarChart("chart-seguimiento-known", "Con resultado conocido (tasa de conocimiento) por año de egreso",
                           summary + ".", bars, track=True)


HEADERS = ["Ámbito", "Año de egreso", "Programa de estudios", "Egresados(as)", "Con resultado conocido",
           "Tasa de conocimiento (%)", "Sin información", "Empleados(as) o independientes",
           "Empleados(as) o independientes (% de conocidos)", "En práctica", "En práctica (% de conocidos)",
           "Estudiando", "Estudiando (% de conocidos)", "Buscando empleo", "Buscando empleo (% de conocidos)",
           "Mediana de días del egreso a la primera colocación", "Egresados(as) en la mediana",
           "Colocaciones con familia conocida", "En empleo relacionado con su programa",
           "Empleo relacionado (% de familia conocida)"]


def table_rows(result: Seguimiento, place: str) -> list[list]:
    """One row per cohort × programme, then the total: the layout a UGEL files."""
    P = spreadsheets.Percent

    def cells(row: CohortRow, year, programme) -> list:
        return [place, year, programme, row.graduates, row.known, P(row.knowledge_rate), row.unknown,
                row.employed, P(row.employed_rate), row.practica, P(row.practica_rate), row.studying,
                P(row.studying_rate), row.looking, P(row.looking_rate), exports._number(row.median_days),
                row.placed_with_days, row.family_known, row.related, P(row.related_rate)]

    return [*(cells(r, r.year, r.programme) for r in result.rows), cells(result.total, "Total", "Todos")]


def show(choice: Choice, endpoint: str, extra: dict | None = None) -> Response:
    result = compute(choice.scope)
    args = choice.args()
    downloads = {ext: url_for(f"{endpoint}_{ext}", **args) for ext in ("csv", "xlsx")}
    return htmx.render("reports/seguimiento.html", result=result, choice=choice, endpoint=endpoint,
                       downloads=downloads, figure=figure, years=filters.graduation_years(),
                       charts={"year": year_chart(result), "known": knowledge_chart(result)}, **(extra or {}))


def download(choice: Choice, extension: str) -> Response:
    result = compute(choice.scope)
    rows = table_rows(result, choice.place)
    name = f"seguimiento-egresados-{result.generated_on.isoformat()}.{extension}"
    if extension == "csv":
        return attachment(spreadsheets.write_csv([HEADERS, *rows], dates=spreadsheets.ISO_DATE),
                          spreadsheets.CSV_MIMETYPE, name)
    sheet = spreadsheets.SheetSpec("Seguimiento de egresados", HEADERS, rows,
                                   widths=spreadsheets.fitted_widths(HEADERS, rows, dates=spreadsheets.ISO_DATE))
    return attachment(spreadsheets.write_xlsx([sheet], dates=spreadsheets.ISO_DATE, apostrophe=True),
                      spreadsheets.XLSX_MIMETYPE, name)
