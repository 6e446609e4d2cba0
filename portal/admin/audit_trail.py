"""The audit trail (/admin/auditoria): every audited event, filtered by actor, action, object
and Lima dates, newest first, and the same selection as CSV. Reads in portal/audit.py."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from portal import audit, htmx, spreadsheets, uploads
from portal.access import role_required
from portal.admin import bp


@bp.route("/auditoria")
@role_required("admin")
def audit_trail():
    """Every audited event, newest first."""
    return htmx.render("audit/trail.html", "audit/_events.html", endpoint="admin.audit_trail",
                       csv_endpoint="admin.audit_trail_csv", scope=None, **audit.trail(current_user, request.args))


@bp.route("/auditoria.csv")
@role_required("admin")
def audit_trail_csv():
    """The events the page's filters select, as CSV (safe against formulas: portal/spreadsheets.py)."""
    rows = audit.export_rows(current_user, audit.AuditFilters.from_args(request.args))
    return uploads.attachment(spreadsheets.write_csv(rows), spreadsheets.CSV_MIMETYPE, audit.export_filename("plataforma"))
