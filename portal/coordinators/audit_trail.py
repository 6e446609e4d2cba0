"""The audit trail of the coordinator's CETPRO (/coordinador/auditoria): what changed about
its students, placements, convenios and coordinators, and what they did; never another
CETPRO's events (`portal.audit.of_cetpro`, applied by the reads in portal/audit.py)."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from portal import audit, htmx, spreadsheets, uploads
from portal.access import current_cetpro, role_required
from portal.coordinators import bp


@bp.route("/auditoria")
@role_required("coordinator")
def audit_trail():
    """The CETPRO's audited events, newest first."""
    return htmx.render("audit/trail.html", "audit/_events.html", endpoint="coordinators.audit_trail",
                       csv_endpoint="coordinators.audit_trail_csv", scope=current_cetpro(),
                       **audit.trail(current_user, request.args))


@bp.route("/auditoria.csv")
@role_required("coordinator")
def audit_trail_csv():
    """The events the page's filters select, as CSV."""
    cetpro = current_cetpro()
    rows = audit.export_rows(current_user, audit.AuditFilters.from_args(request.args))
    return uploads.attachment(spreadsheets.write_csv(rows), spreadsheets.CSV_MIMETYPE,
                              audit.export_filename(cetpro.codigo_modular))
