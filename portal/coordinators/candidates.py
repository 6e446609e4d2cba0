"""Candidates for one opening (/coordinador/ofertas/<id>/candidatos): the CETPRO's own students
ranked by the matching engine with their reasons, filters, and nominations in place."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal import clock, htmx, places
from portal.access import one_or_404, role_required, students_visible_to
from portal.certificates import queries as certificates
from portal.coordinators import bp
from portal.matching import index as matching_index
from portal.matching import queries, services
from portal.matching.engine import STRONG_SCORE
from portal.models import StudentProfile
from portal.paging import Page

PAGE_SIZE = 25


def _coordinator_opening(opening_id: int):
    opening = queries.load_opening(opening_id)
    if opening is None or opening.state == "draft":
        abort(404)
    targets = queries.targeted_cetpro_ids(opening)
    if targets is not None and current_user.cetpro_id not in targets:
        abort(404)
    return opening


def _candidates_opening(opening_id: int):
    """(what the page shows of the opening, its engine facts). An open opening comes from
    the listing's index (no statement); any other is loaded and checked as for nominating."""
    found = matching_index.open_opening(opening_id, current_user.cetpro_id, clock.today())
    if found is None:
        opening = _coordinator_opening(opening_id)
        return opening, queries.opening_facts(opening)
    card, facts, targeted = found
    if not targeted:
        abort(404)
    return card, facts


def _candidates_context(opening, facts, filters: queries.CandidateFilters) -> dict:
    matches = queries.ranked_for_opening(facts, cetpro_ids=[current_user.cetpro_id])
    nominated = queries.nominated_ids(opening.id)
    # The filters read the facts the ranking already holds; only the page shown is loaded.
    shown = [
        m for m in matches
        if m.score >= filters.minimo
        and (filters.estado is None or m.candidate.status == filters.estado)
        and (filters.provincia is None or m.candidate.province_code == filters.provincia)
        and (filters.nominados or m.candidate_id not in nominated)
    ]
    start = (filters.pagina - 1) * PAGE_SIZE
    page = Page(items=queries.explain(shown[start:start + PAGE_SIZE]), total=len(shown), page=filters.pagina,
                per_page=PAGE_SIZE)
    profiles = queries.profiles_with_users([m.candidate_id for m in page.items])
    certs = certificates.by_student(profiles)  # certified or declared, for each met module
    provinces = sorted({m.candidate.province_code for m in matches if m.candidate.province_code})
    return {
        "opening": opening, "filters": filters, "page": page, "profiles": profiles, "nominated": nominated,
        "certs": certs,
        "nomination_count": len(nominated), "provinces": [(c, places.name(c)) for c in provinces],
        "strong": sum(1 for m in matches if m.score >= STRONG_SCORE),
    }


@bp.route("/ofertas/<int:opening_id>/candidatos")
@role_required("coordinator")
def candidates(opening_id: int):
    """The coordinator's own students ranked for one opening, with the reasons."""
    opening, facts = _candidates_opening(opening_id)
    context = _candidates_context(opening, facts, queries.CandidateFilters.from_args(request.args))
    return htmx.render("matching/candidates.html", "matching/_candidates.html", **context)


@bp.route("/ofertas/<int:opening_id>/candidatos/<int:student_id>/nominar", methods=["POST"])
@role_required("coordinator")
def nominate(opening_id: int, student_id: int):
    """Recommend one student to the employer, in place."""
    opening = _coordinator_opening(opening_id)
    profile = one_or_404(students_visible_to(current_user).where(StudentProfile.id == student_id))
    note = (request.form.get("note") or "")[:500]
    location = url_for(".candidates", opening_id=opening.id)
    try:
        services.nominate(current_user, opening, profile, note)
    except services.NominationError as error:
        return htmx.done(location, "matching/_nominate_result.html", message=str(error), kind="error", status=409,
                         error=str(error), opening=opening, profile=profile, nomination=None)
    nominated = queries.nominated_ids(opening.id)
    message = f"Recomendaste a {profile.user.full_name}. La empresa lo verá en «Recomendados por CETPRO»."
    return htmx.done(location, "matching/_nominate_result.html", message=message, opening=opening, profile=profile,
                     nomination=nominated.get(profile.id), nomination_count=len(nominated), error=None)
