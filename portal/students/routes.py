"""The student's own pages."""
from flask import Blueprint, abort
from flask_login import current_user

from portal import htmx
from portal.access import role_required
from portal.students import queries

bp = Blueprint("students", __name__, url_prefix="/estudiante")


@bp.route("")
@role_required("student")
def dashboard():
    """The student's profile state and applications at a glance."""
    profile = queries.profile_of(current_user)
    if profile is None:
        abort(404)
    return htmx.render("students/dashboard.html", profile=profile,
                       counts=queries.application_counts(profile))
