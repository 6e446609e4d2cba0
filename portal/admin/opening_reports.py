"""Moderation (/admin/denuncias): every report on an opening, newest first, filtered by state
and reason, each with its opening, company and the opening's history of reports; from a
report an admin dismisses it, suspends, confirms or reinstates the opening, or suspends and
reinstates its company. Reads in portal/openings/moderation_queries.py; shared view code in
portal/openings/views.py; the writes in portal/openings/moderation*.py."""
from __future__ import annotations

from flask import url_for

from portal.access import role_required
from portal.admin import bp
from portal.openings import views


@bp.route("/denuncias")
@role_required("admin")
def opening_reports():
    """Reports, newest first, by state (open by default) and reason."""
    return views.queue("admin/opening_reports.html")


@bp.route("/denuncias/<int:report_id>")
@role_required("admin")
def opening_report(report_id: int):
    """One report, open or settled."""
    return views.report(report_id, url_for("admin.opening_reports"), "Denuncias")


@bp.route("/denuncias/<int:report_id>/<any(descartar, suspender, confirmar, reactivar):action>", methods=["POST"])
@role_required("admin")
def act_on_report(report_id: int, action: str):
    """Dismiss a report, or suspend, confirm or reinstate its opening, in place."""
    return views.act(report_id, action)


@bp.route("/empresas/<int:company_id>/<any(suspender, reactivar):action>", methods=["POST"])
@role_required("admin")
def company_suspension(company_id: int, action: str):
    """Suspend a company (its published openings with it) or lift its suspension."""
    return views.company_suspension(company_id, action)
