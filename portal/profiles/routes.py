"""A student's CV as others may see it (/cv/<id>): same-CETPRO coordinators, employers the
student applied to or was nominated for, admins; 404 for everyone else. The CV is the one
she uploaded, or the one generated from her profile when she has none or chose it."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from portal.access import role_required
from portal.profiles import generated_cv, queries
from portal.profiles.views import generated_cv_response
from portal.uploads import send_stored

bp = Blueprint("profiles", __name__)


@bp.route("/cv/<int:student_id>")
@role_required("student", "employer", "coordinator", "admin")
def cv(student_id: int):
    """A student's CV for whoever may see their data (same-CETPRO coordinator, an employer
    the student applied to or was nominated for, an admin); 404 for everyone else."""
    profile = queries.visible_profile(current_user, student_id)
    if profile is None or profile.user.deleted_at is not None:
        abort(404)
    if generated_cv.shows_generated(profile):
        return generated_cv_response(profile, queries.cv_name(profile))
    return send_stored(profile.cv_path, queries.cv_name(profile))
