"""The coordinator's pages (/coordinador/…), always within the coordinator's own CETPRO.

One blueprint for the audience; each module holds the pages of one area, assembled from
the feature packages (roster, placements, convenios, companies, reports, matching)."""
from flask import Blueprint

bp = Blueprint("coordinators", __name__, url_prefix="/coordinador")

# Each module registers its routes on `bp` when imported (Flask's blueprint-package pattern).
from portal.coordinators import (  # noqa: E402, F401
    api_tokens,
    audit_trail,
    candidates,
    certificates,
    companies,
    convenios,
    dashboard,
    opening_reports,
    placements,
    reports,
    students,
    webhooks,
)
