"""The coordinator's pages, always within its own CETPRO."""
from flask import Blueprint, abort
from flask_login import current_user

from portal import htmx
from portal.access import role_required
from portal.coordinators import queries

bp = Blueprint("coordinators", __name__, url_prefix="/coordinador")


@bp.route("")
@role_required("coordinator")
def dashboard():
    """The CETPRO's students, pending work and relevant openings."""
    cetpro = queries.cetpro_of(current_user)
    if cetpro is None:
        abort(403)
    openings = queries.relevant_openings(cetpro)
    return htmx.render(
        "coordinators/dashboard.html",
        cetpro=cetpro,
        students=queries.student_counts(cetpro),
        pending=queries.pending_verifications(cetpro),
        placements=queries.placements_this_year(cetpro),
        openings=openings,
        strong=queries.strong_candidates(cetpro, openings),
    )
