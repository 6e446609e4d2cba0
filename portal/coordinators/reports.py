"""The coordinator's inserción laboral report (/coordinador/reportes) and its downloads."""
from __future__ import annotations

from portal.access import role_required
from portal.coordinators import bp
from portal.reports import seguimiento as seguimiento_views
from portal.reports import views


@bp.route("/reportes")
@role_required("coordinator")
def report():
    """Inserción laboral of the coordinator's CETPRO, filtered by graduation year and programme."""
    return views.show(views.coordinator_selection(), "coordinators.report")


@bp.route("/reportes.csv")
@role_required("coordinator")
def report_csv():
    return views.download(views.coordinator_selection(), "csv")


@bp.route("/reportes.xlsx")
@role_required("coordinator")
def report_xlsx():
    return views.download(views.coordinator_selection(), "xlsx")


@bp.route("/seguimiento-egresados")
@role_required("coordinator")
def seguimiento():
    """Seguimiento de egresados of the coordinator's CETPRO, by cohort and programme."""
    return seguimiento_views.show(seguimiento_views.coordinator_choice(), "coordinators.seguimiento")


@bp.route("/seguimiento-egresados.csv")
@role_required("coordinator")
def seguimiento_csv():
    return seguimiento_views.download(seguimiento_views.coordinator_choice(), "csv")


@bp.route("/seguimiento-egresados.xlsx")
@role_required("coordinator")
def seguimiento_xlsx():
    return seguimiento_views.download(seguimiento_views.coordinator_choice(), "xlsx")
