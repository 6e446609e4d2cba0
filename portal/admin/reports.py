"""The report across CETPROs (/admin/reportes): all, one department's or one CETPRO's."""
from __future__ import annotations

from flask import redirect, url_for

from portal import htmx, places
from portal.access import role_required
from portal.admin import bp
from portal.reports import filters, views


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
