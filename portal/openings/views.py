"""View code two audiences share: one report on an opening, read by an admin
(/admin/denuncias/<id>) or by a coordinator told about it (/coordinador/denuncias/<id>)."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from portal import htmx
from portal.openings import moderation_queries


def report(report_id: int, back_url: str, back_label: str):
    """The report if this person may read it (404 otherwise: another CETPRO's does not exist for them)."""
    row = moderation_queries.report_for(current_user, report_id)
    if row is None:
        abort(404)
    return htmx.render("openings/report.html", row=row, back_url=back_url, back_label=back_label)
