"""The inserción laboral report page and its downloads, shared by a coordinator's CETPRO
(/coordinador/reportes) and admins across CETPROs (/admin/reportes)."""
from __future__ import annotations

from flask import Response, abort, request, url_for

from portal import headers, htmx, spreadsheets
from portal.access import current_cetpro
from portal.reports import charts, exports, figures, filters
from portal.uploads import attachment


def coordinator_selection() -> filters.Selection:
    """The coordinator's own CETPRO, as filtered. Asking for another one is asking for what
    does not exist (404)."""
    cetpro = current_cetpro()
    if (request.args.get("cetpro") or "").strip() and filters.requested_cetpro(request.args) != cetpro.id:
        abort(404)
    return filters.for_coordinator(cetpro, request.args)


def admin_selection() -> filters.Selection:
    selection = filters.for_admin(request.args)
    if selection is None:
        abort(404)
    return selection


def show(selection: filters.Selection, endpoint: str, form_choices=None) -> Response:
    """The page, or only the report for a partial htmx request. `form_choices` gives the
    admin's extra select options; they are worked out only when the form is drawn."""
    report = figures.compute(selection.scope)
    args = selection.args()
    # Each report view has its exports beside it: X.report → X.report_csv, X.report_xlsx.
    downloads = {ext: url_for(f"{endpoint}_{ext}", **args) for ext in ("csv", "xlsx")}
    context = dict(report=report, selection=selection, charts=charts.build(report), endpoint=endpoint,
                   downloads=downloads)
    if not htmx.is_partial():
        choices = form_choices() if form_choices else {}
        years = choices.pop("years", None) or report.years
        if selection.scope.year is not None and selection.scope.year not in years:
            years = sorted({*years, selection.scope.year}, reverse=True)
        return htmx.render("reports/show.html", years=years, **choices, **context)
    response = htmx.render("reports/show.html", "reports/_report.html", **context)
    # The form pushes its own URL; push the clean one (no empty or dropped values) instead.
    headers.put(response, "HX-Push-Url", url_for(endpoint, **args))
    return response


def download(selection: filters.Selection, extension: str) -> Response:
    report = figures.compute(selection.scope)
    parts = exports.sections(report, selection)
    if extension == "csv":
        body, mimetype = exports.to_csv(parts), spreadsheets.CSV_MIMETYPE
    else:
        body, mimetype = exports.to_xlsx(parts), spreadsheets.XLSX_MIMETYPE
    return attachment(body, mimetype, selection.filename(extension, report.generated_on))
