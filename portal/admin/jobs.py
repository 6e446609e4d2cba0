"""The worker's periodic jobs (/admin/tareas): when each last ran, how it went, how much
it did, and whether it is late (nothing succeeded for twice its period)."""
from __future__ import annotations

from portal import htmx, jobs
from portal.access import role_required
from portal.admin import bp


@bp.route("/tareas")
@role_required("admin")
def jobs_page():
    """Every job a worker registered, late ones flagged."""
    return htmx.render("admin/jobs.html", states=jobs.states())
