"""The three pages the matching engine serves: coordinator candidates, employer
recommendations, and a student's "Ofertas para ti"."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import htmx, places, vocab
from portal.access import company_of, role_required
from portal.extensions import db
from portal.matching import queries, services
from portal.matching.engine import STRONG_SCORE
from portal.models import StudentProfile
from portal.openings.expiry import today as lima_today
from portal.paging import Choice, Flag, Number, Page, PageNumber, QueryFilters

bp = Blueprint("matching", __name__)
PAGE_SIZE = 25


class CandidateFilters(QueryFilters):
    """Filters of the candidates page; out-of-range scores are clamped, unknown values dropped."""

    minimo = Number(0, 100, clamp=True, default=0, title="Puntaje mínimo")
    estado = Choice(vocab.STUDENT_STATUSES, title="Situación")
    provincia = Choice(places.province_name, title="Provincia")
    nominados = Flag(title="Incluye ya recomendados")
    pagina = PageNumber()


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
    found = queries.open_opening(opening_id, current_user.cetpro_id, lima_today())
    if found is None:
        opening = _coordinator_opening(opening_id)
        return opening, queries.opening_facts(opening)
    card, facts, targeted = found
    if not targeted:
        abort(404)
    return card, facts


def _candidates_context(opening, facts, filters: CandidateFilters) -> dict:
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
    profiles = {}
    if page.items:
        rows = db.session.scalars(
            select(StudentProfile).where(StudentProfile.id.in_([m.candidate_id for m in page.items]))
            .options(joinedload(StudentProfile.user)))
        profiles = {p.id: p for p in rows}
    provinces = sorted({m.candidate.province_code for m in matches if m.candidate.province_code})
    return {
        "opening": opening, "filters": filters, "page": page, "profiles": profiles, "nominated": nominated,
        "nomination_count": len(nominated), "provinces": [(c, places.name(c)) for c in provinces],
        "strong": sum(1 for m in matches if m.score >= STRONG_SCORE),
    }


@bp.route("/coordinador/ofertas/<int:opening_id>/candidatos")
@role_required("coordinator")
def candidates(opening_id: int):
    """The coordinator's own students ranked for one opening, with the reasons."""
    opening, facts = _candidates_opening(opening_id)
    context = _candidates_context(opening, facts, CandidateFilters.from_args(request.args))
    return htmx.render("matching/candidates.html", "matching/_candidates.html", **context)


@bp.route("/coordinador/ofertas/<int:opening_id>/candidatos/<int:student_id>/nominar", methods=["POST"])
@role_required("coordinator")
def nominate(opening_id: int, student_id: int):
    """Recommend one student to the employer, in place."""
    opening = _coordinator_opening(opening_id)
    profile = db.session.get(StudentProfile, student_id)
    if profile is None or profile.cetpro_id != current_user.cetpro_id:
        abort(404)
    note = (request.form.get("note") or "")[:500]
    location = url_for("matching.candidates", opening_id=opening.id)
    try:
        services.nominate(current_user, opening, profile, note)
    except services.NominationError as error:
        if not htmx.is_htmx():
            flash(str(error), "error")
            return redirect(location, code=303)
        response = htmx.render("matching/_nominate_result.html", status=409, error=str(error),
                               opening=opening, profile=profile, nomination=None)
        return htmx.trigger(response, "notice", {"message": str(error), "kind": "error"})
    nominated = queries.nominated_ids(opening.id)
    message = f"Recomendaste a {profile.user.full_name}. La empresa lo verá en «Recomendados por CETPRO»."
    if not htmx.is_htmx():
        flash(message, "success")
        return redirect(location, code=303)
    response = htmx.render("matching/_nominate_result.html", opening=opening, profile=profile,
                           nomination=nominated.get(profile.id), nomination_count=len(nominated), error=None)
    return htmx.trigger(response, "notice", {"message": message})


def _employer_opening(opening_id: int):
    company = company_of(current_user)
    opening = queries.load_opening(opening_id)
    if company is None or opening is None or opening.company_id != company.id:
        abort(404)
    return opening


@bp.route("/empresa/ofertas/<int:opening_id>/recomendados")
@role_required("employer")
def recommended(opening_id: int):
    """Nominated students first, then the best matches from the CETPROs the opening targets."""
    company = company_of(current_user)
    found = queries.company_opening(opening_id, company.id if company else None, lima_today())
    if found is None:
        abort(404)
    opening, facts, targets = found
    nominations = queries.nominations_shown(opening.id)
    nominated_ids = [n.student_id for n in nominations]
    applied = queries.applied_among(opening.id, nominated_ids)  # shown as applicants, not invited
    filters = {"cetpro_ids": targets, "verified_only": True}
    others = queries.best_for_opening(facts, 20, exclude=set(nominated_ids), **filters)
    # Only the shown students are read whole (modules and skills, once for the reasons and
    # the summaries): the nominees and the best 20.
    shown_ids = nominated_ids + [m.candidate_id for m in others]
    items = queries.held_items(shown_ids)
    scores = {m.candidate_id: m for m in queries.explain(
        queries.ranked_for_opening(facts, only_ids=sorted(nominated_ids), **filters) + others, items)}
    return htmx.render("matching/recommended.html", "matching/_recommended.html", opening=opening,
                       nominations=nominations, others=[scores[m.candidate_id] for m in others], scores=scores,
                       applied=applied, students=queries.student_summaries(shown_ids, items))


@bp.route("/empresa/ofertas/<int:opening_id>/recomendados/<int:student_id>/invitar", methods=["POST"])
@role_required("employer")
def invite(opening_id: int, student_id: int):
    """Invite a recommended or matching student to apply (a notification with a one-tap link)."""
    opening = _employer_opening(opening_id)
    profile = db.session.get(StudentProfile, student_id)
    # Someone Recomendados lists (or listed: one who applied since is told so, not a 404).
    if profile is None or not (profile.id in queries.nominated_ids(opening.id) or queries.ranked_for_opening(
            queries.opening_facts(opening), only_ids=[profile.id], cetpro_ids=queries.targeted_cetpro_ids(opening),
            verified_only=True, exclude_applied=False)):
        abort(404)
    location = url_for("matching.recommended", opening_id=opening.id)
    try:
        services.invite(current_user, opening, profile)
    except services.InvitationError as error:
        if not htmx.is_htmx():
            flash(str(error), "error")
            return redirect(location, code=303)
        response = htmx.render("matching/_applied.html", status=409, opening=opening)
        return htmx.trigger(response, "notice", {"message": str(error), "kind": "error"})
    message = "Invitación enviada. Le avisamos con un enlace para postular en un toque."
    if not htmx.is_htmx():
        flash(message, "success")
        return redirect(location, code=303)
    response = htmx.render("matching/_invited.html", profile=profile)
    return htmx.trigger(response, "notice", {"message": message})


@bp.route("/estudiante/recomendadas")
@role_required("student")
def for_student():
    """Openings ranked for the student, with the reasons in their words and what is missing."""
    profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == current_user.id))
    if profile is None:
        abort(404)
    return htmx.render("matching/for_student.html", "matching/_for_student.html",
                       ranked=queries.openings_for_student(profile), profile=profile)
