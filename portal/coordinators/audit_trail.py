"""The audit trail of the coordinator's CETPRO (/coordinador/auditoria): what changed about
its students, placements, convenios and coordinators, and what they did; never another
CETPRO's events (`portal.audit.of_cetpro`)."""
from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from portal import audit, headers, htmx, spreadsheets
from portal.access import current_cetpro, role_required
from portal.coordinators import bp
from portal.uploads import content_disposition


@bp.route("/auditoria")
@role_required("coordinator")
def audit_trail():
    """The CETPRO's audited events, newest first."""
    cetpro = current_cetpro()
    filters = audit.AuditFilters.from_args(request.args)
    return htmx.render("audit/trail.html", "audit/_events.html", filters=filters,
                       page=audit.events(current_user, filters), endpoint="coordinators.audit_trail",
                       csv_endpoint="coordinators.audit_trail_csv", actions=audit.ACTIONS, objects=audit.OBJECTS,
                       scope=cetpro)


@bp.route("/auditoria.csv")
@role_required("coordinator")
def audit_trail_csv():
    """The events the page's filters select, as CSV."""
    cetpro = current_cetpro()
    filters = audit.AuditFilters.from_args(request.args)
    response = Response(spreadsheets.write_csv(audit.export_rows(current_user, filters)),
                        mimetype="text/csv; charset=utf-8")
    headers.put(response, "Content-Disposition",
                content_disposition(audit.export_filename(cetpro.codigo_modular), inline=False))
    response.headers["Cache-Control"] = "private, no-store"
    return response
