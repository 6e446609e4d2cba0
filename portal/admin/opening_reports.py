"""Reports on openings (/admin/denuncias): the open ones, newest first, and each one on its
own page (the link in the admins' notification). Reads in portal/openings/moderation_queries.py;
suspending happens on the opening's page."""
from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from portal import htmx
from portal.access import role_required
from portal.admin import bp
from portal.openings import moderation_queries, views
from portal.paging import PageOnly


@bp.route("/denuncias")
@role_required("admin")
def opening_reports():
    """Open reports, newest first, with reason, details, reporter, date, opening and company."""
    page = moderation_queries.open_reports(current_user, PageOnly.from_args(request.args).page)
    return htmx.render("admin/opening_reports.html", page=page)


@bp.route("/denuncias/<int:report_id>")
@role_required("admin")
def opening_report(report_id: int):
    """One report, open or settled."""
    return views.report(report_id, url_for("admin.opening_reports"), "Denuncias")
