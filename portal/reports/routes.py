"""The inserción laboral report: for a coordinator's CETPRO, and for admins across CETPROs."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user

from portal import htmx, places
from portal.access import role_required
from portal.extensions import db
from portal.models import Cetpro
from portal.reports import charts, exports, figures, filters

bp = Blueprint("reports", __name__)


@bp.record_once
def _register_filters(state) -> None:
    # setdefault: if portal.formatting ever gains its own `percent`, that one wins.
    state.app.jinja_env.filters.setdefault("percent", charts.percent)
    state.app.jinja_env.filters["report_number"] = charts.format_decimal


def _own_cetpro() -> Cetpro:
    """The coordinator's CETPRO. Asking for another one is asking for what does not exist."""
    cetpro = db.session.get(Cetpro, current_user.cetpro_id) if current_user.cetpro_id else None
    if cetpro is None:
        abort(403)
    if (request.args.get("cetpro") or "").strip() and filters.requested_cetpro(request.args) != cetpro.id:
        abort(404)
    return cetpro


def _admin_selection() -> filters.Selection:
    selection = filters.for_admin(request.args)
    if selection is None:
        abort(404)
    return selection


def _show(selection: filters.Selection, endpoint: str, form_choices=None) -> Response:
    """The page, or only the report for a partial htmx request. `form_choices` gives the
    admin's extra select options; they are worked out only when the form is drawn."""
    report = figures.compute(selection.scope)
    args = selection.args()
    # Each report view has its exports beside it: reports.X_show → reports.X_csv, reports.X_xlsx.
    downloads = {ext: url_for(endpoint.replace("_show", f"_{ext}"), **args) for ext in ("csv", "xlsx")}
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
    response.headers["HX-Push-Url"] = url_for(endpoint, **args)
    return response


def _download(selection: filters.Selection, extension: str) -> Response:
    report = figures.compute(selection.scope)
    parts = exports.sections(report, selection)
    if extension == "csv":
        body, mimetype = exports.to_csv(parts), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(parts)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{selection.filename(extension, report.generated_on)}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/coordinador/reportes")
@role_required("coordinator")
def coordinator_show():
    """Inserción laboral of the coordinator's CETPRO, filtered by graduation year and programme."""
    selection = filters.for_coordinator(_own_cetpro(), request.args)
    return _show(selection, "reports.coordinator_show")


@bp.route("/coordinador/reportes.csv")
@role_required("coordinator")
def coordinator_csv():
    return _download(filters.for_coordinator(_own_cetpro(), request.args), "csv")


@bp.route("/coordinador/reportes.xlsx")
@role_required("coordinator")
def coordinator_xlsx():
    return _download(filters.for_coordinator(_own_cetpro(), request.args), "xlsx")


@bp.route("/admin/reportes")
@role_required("admin")
def admin_show():
    """The same report across every CETPRO, one department's or one CETPRO's."""
    selection = _admin_selection()
    return _show(selection, "reports.admin_show", lambda: dict(
        years=filters.graduation_years(), departments=places.departments(),
        cetpros=filters.cetpros_in(selection.scope.department_code)))


@bp.route("/admin/reportes.csv")
@role_required("admin")
def admin_csv():
    return _download(_admin_selection(), "csv")


@bp.route("/admin/reportes.xlsx")
@role_required("admin")
def admin_xlsx():
    return _download(_admin_selection(), "xlsx")


@bp.route("/admin/reportes/cetpros")
@role_required("admin")
def admin_cetpros():
    """The CETPRO select for the chosen department (swapped in when the department changes)."""
    selection = _admin_selection()
    if not htmx.is_partial():
        return redirect(url_for("reports.admin_show", **selection.args()))
    return htmx.render("reports/_cetpro_select.html", selection=selection,
                       cetpros=filters.cetpros_in(selection.scope.department_code))
