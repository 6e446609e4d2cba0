"""The platform administrator's pages (/admin/…). Every admin page lives here, whichever
feature it shows; it calls the services the features own and never writes a model itself."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module registers its routes on `bp` when imported (Flask's blueprint-package pattern).
from portal.admin import (  # noqa: E402, F401
    api_tokens,
    audit_trail,
    catalogue,
    cetpros,
    companies,
    dashboard,
    deletions,
    jobs,
    opening_reports,
    outbox,
    reports,
    rmv,
    users,
)
