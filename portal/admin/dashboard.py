"""The admin's dashboard (/admin): platform totals and the queues that need an admin."""
from portal import htmx
from portal.access import role_required
from portal.admin import bp, queries


@bp.route("")
@role_required("admin")
def dashboard():
    """Platform totals and the queues that need an admin."""
    return htmx.render("admin/dashboard.html", totals=queries.totals())
