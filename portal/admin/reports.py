"""The report across CETPROs (/admin/reportes): all, one department's or one CETPRO's."""
from __future__ import annotations

from flask import redirect, url_for

from portal import htmx, places
from portal.access import role_required
from portal.admin import bp
from portal.reports import filters, outcomes, views
from portal.reports import seguimiento as seguimiento_views


@bp.route("/reportes")
@role_required("admin")
def report():
    """The same report across every CETPRO, one department's or one CETPRO's."""
    selection = views.admin_selection()
    return views.show(selection, "admin.report", lambda: dict(
        years=filters.graduation_years(), departments=places.departments(),
        cetpros=filters.cetpros_in(selection.scope.department_code)))


@bp.route("/reportes.csv")
@role_required("admin")
def report_csv():
    return views.download(views.admin_selection(), "csv")


@bp.route("/reportes.xlsx")
@role_required("admin")
def report_xlsx():
    return views.download(views.admin_selection(), "xlsx")


@bp.route("/reportes/cetpros")
@role_required("admin")
def report_cetpros():
    """The CETPRO select for the chosen department (swapped in when the department changes)."""
    selection = views.admin_selection()
    if not htmx.is_partial():
        return redirect(url_for("admin.report", **selection.args()))
    return htmx.render("reports/_cetpro_select.html", selection=selection,
                       cetpros=filters.cetpros_in(selection.scope.department_code))


@bp.route("/seguimiento-egresados")
@role_required("admin")
def seguimiento():
    """Seguimiento de egresados across CETPROs: national, by department, UGEL or CETPRO."""
    choice = seguimiento_views.admin_choice()
    return seguimiento_views.show(choice, "admin.seguimiento", dict(
        departments=places.departments(), ugels=outcomes.ugels(choice.scope.department_code),
        cetpros=filters.cetpros_in(choice.scope.department_code)))


@bp.route("/seguimiento-egresados.csv")
@role_required("admin")
def seguimiento_csv():
    return seguimiento_views.download(seguimiento_views.admin_choice(), "csv")


@bp.route("/seguimiento-egresados.xlsx")
@role_required("admin")
def seguimiento_xlsx():
    return seguimiento_views.download(seguimiento_views.admin_choice(), "xlsx")
