"""A report on an opening meant for the coordinator's CETPRO (/coordinador/denuncias/<id>):
the link in the coordinator's notification. Who reported stays private (only whether they
had an account); suspending happens on the opening's page."""
from __future__ import annotations

from flask import url_for

from portal.access import role_required
from portal.coordinators import bp
from portal.openings import views


@bp.route("/denuncias/<int:report_id>")
@role_required("coordinator")
def opening_report(report_id: int):
    """One report, if the coordinator's CETPRO was told about it."""
    return views.report(report_id, url_for("coordinators.dashboard"), "Panel del CETPRO")
