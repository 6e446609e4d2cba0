"""Reports on openings meant for the coordinator's CETPRO (/coordinador/denuncias): the queue,
one report (the link in the coordinator's notification), and acting on it. Who reported stays
private (only whether they had an account); another CETPRO's report does not exist here (404).
Shared view code in portal/openings/views.py."""
from __future__ import annotations

from flask import url_for

from portal.access import role_required
from portal.coordinators import bp
from portal.openings import views


@bp.route("/denuncias")
@role_required("coordinator")
def opening_reports():
    """Reports on openings meant for this CETPRO's students, newest first, by state and reason."""
    return views.queue("coordinators/opening_reports.html")


@bp.route("/denuncias/<int:report_id>")
@role_required("coordinator")
def opening_report(report_id: int):
    """One report, if the coordinator's CETPRO was told about it."""
    return views.report(report_id, url_for("coordinators.opening_reports"), "Denuncias")


@bp.route("/denuncias/<int:report_id>/<any(descartar, suspender, confirmar, reactivar):action>", methods=["POST"])
@role_required("coordinator")
def act_on_report(report_id: int, action: str):
    """Dismiss a report, or suspend, confirm or reinstate its opening, in place."""
    return views.act(report_id, action)
