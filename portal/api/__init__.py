"""The API (/api/v1): an audience of machines (docs/API.md). It authenticates a CETPRO's
tokens (portal/apitokens), speaks JSON, and calls the same services and queries as the
pages. No cookies, no sessions, no CSRF here; the HTML app keeps all three."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each module registers its routes on `bp` when imported (Flask's blueprint-package pattern).
from portal.api import auth, docs, openings, placements, roster, students  # noqa: E402, F401
