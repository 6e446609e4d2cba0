"""Platform administration."""
from flask import Blueprint

from portal import htmx
from portal.access import role_required
from portal.admin import queries

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("")
@role_required("admin")
def dashboard():
    """Platform totals and the queues that need an admin."""
    return htmx.render("admin/dashboard.html", totals=queries.totals())
