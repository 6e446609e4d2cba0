"""A company's logo (/empresas/<id>/logo): public, like its name."""
from __future__ import annotations

from flask import Blueprint, abort

from portal import uploads
from portal.companies import profile, queries

bp = Blueprint("companies", __name__)

@bp.route("/empresas/<int:company_id>/logo")
def logo(company_id: int):
    """A company's logo (public, like its name); only the file its profile points to."""
    company = queries.company(company_id)
    key = profile.logo_key(company) if company else None
    if key is None:
        abort(404)
    # Public like the company's name; the URL carries a version, so caches may keep it.
    return uploads.send_public(key, max_age=86400)
