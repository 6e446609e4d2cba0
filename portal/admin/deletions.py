"""Account deletions (/admin/eliminaciones): who asked to delete their account and when the
worker will erase it; an admin may run one now (the person asked; the grace period is
theirs to cancel, not the admin's to extend)."""
from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from portal import htmx
from portal.access import role_required
from portal.admin import bp
from portal.privacy import deletion


@bp.route("/eliminaciones")
@role_required("admin")
def deletions():
    """Pending deletion requests, the soonest first."""
    return htmx.render("admin/deletions.html", "admin/_deletions.html", requests=deletion.pending(),
                       grace_days=deletion.grace().days)


@bp.route("/eliminaciones/<int:user_id>/ejecutar", methods=["POST"])
@role_required("admin")
def run_deletion(user_id: int):
    """Erase a pending account now, before its grace period ends."""
    user = deletion.pending_user(user_id) or abort(404)
    deletion.run(user, current_user)
    return htmx.done(url_for(".deletions"), "admin/_deletions.html",
                     message=f"Eliminamos la cuenta n.º {user_id}.", requests=deletion.pending(),
                     grace_days=deletion.grace().days)
