"""The audit trail (/admin/auditoria): every audited event, filtered by actor, action, object
and Lima dates, newest first, and the same selection as CSV. Reads in portal/audit.py."""
from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from portal import audit, headers, htmx, spreadsheets
from portal.access import role_required
from portal.admin import bp
from portal.uploads import content_disposition


@bp.route("/auditoria")
@role_required("admin")
def audit_trail():
    """Every audited event, newest first."""
    filters = audit.AuditFilters.from_args(request.args)
    return htmx.render("audit/trail.html", "audit/_events.html", filters=filters,
                       page=audit.events(current_user, filters), endpoint="admin.audit_trail",
                       csv_endpoint="admin.audit_trail_csv", actions=audit.ACTIONS, objects=audit.OBJECTS,
                       scope=None)


@bp.route("/auditoria.csv")
@role_required("admin")
def audit_trail_csv():
    """The events the page's filters select, as CSV (safe against formulas: portal/spreadsheets.py)."""
    filters = audit.AuditFilters.from_args(request.args)
    response = Response(spreadsheets.write_csv(audit.export_rows(current_user, filters)),
                        mimetype="text/csv; charset=utf-8")
    headers.put(response, "Content-Disposition",
                content_disposition(audit.export_filename("plataforma"), inline=False))
    response.headers["Cache-Control"] = "private, no-store"
    return response
