"""A company's logo (/empresas/<id>/logo): public, like its name."""
from __future__ import annotations

from flask import Blueprint, abort, send_file

from portal.companies import profile, queries

bp = Blueprint("companies", __name__)

@bp.route("/empresas/<int:company_id>/logo")
def logo(company_id: int):
    """A company's logo (public, like its name); only the file its profile points to."""
    company = queries.company(company_id)
    located = profile.logo_file(company) if company else None
    if located is None:
        abort(404)
    path, mimetype = located
    # Public like the company's name; the URL carries a version, so caches may keep it.
    return send_file(path, mimetype=mimetype, max_age=86400)
