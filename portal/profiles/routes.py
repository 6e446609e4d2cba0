"""A student's CV as others may see it (/cv/<id>): same-CETPRO coordinators, employers the
student applied to or was nominated for, admins; 404 for everyone else."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from portal.access import role_required
from portal.profiles import queries
from portal.uploads import send_stored

bp = Blueprint("profiles", __name__)


@bp.route("/cv/<int:student_id>")
@role_required("student", "employer", "coordinator", "admin")
def cv(student_id: int):
    """A student's CV for whoever may see their data (same-CETPRO coordinator, an employer
    the student applied to or was nominated for, an admin); 404 for everyone else."""
    profile = queries.visible_profile(current_user, student_id)
    if profile is None:
        abort(404)
    return send_stored(profile.cv_path, queries.cv_name(profile))
