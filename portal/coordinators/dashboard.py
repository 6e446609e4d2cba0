"""The coordinator's dashboard (/coordinador)."""
from portal import htmx
from portal.access import current_cetpro, role_required
from portal.coordinators import bp, queries


@bp.route("")
@role_required("coordinator")
def dashboard():
    """The CETPRO's students, pending work and relevant openings."""
    cetpro = current_cetpro()
    students = queries.cetpro_students(cetpro)
    openings = queries.relevant_openings(cetpro, students=students)
    return htmx.render(
        "coordinators/dashboard.html",
        cetpro=cetpro,
        students=students.by_status,
        pending=students.pending,
        placements=queries.placements_this_year(cetpro),
        openings=openings,
        strong=queries.strong_candidates(cetpro, openings, students),
    )
