"""Recomendados por CETPRO (/empresa/ofertas/<id>/recomendados): the students CETPROs nominated
for one of the company's openings first, then the best verified matches from the CETPROs it
targets (without names or contact data), and an invitation to apply in one tap."""
from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from portal import clock, htmx
from portal.access import company_of, role_required
from portal.certificates import queries as certificates
from portal.employers import bp
from portal.extensions import db
from portal.matching import queries, services
from portal.models import StudentProfile


def _employer_opening(opening_id: int):
    company = company_of(current_user)
    opening = queries.load_opening(opening_id)
    if company is None or opening is None or opening.company_id != company.id:
        abort(404)
    return opening


@bp.route("/ofertas/<int:opening_id>/recomendados")
@role_required("employer")
def recommended(opening_id: int):
    """Nominated students first, then the best matches from the CETPROs the opening targets."""
    company = company_of(current_user)
    found = queries.company_opening(opening_id, company.id if company else None, clock.today())
    if found is None:
        abort(404)
    opening, facts, targets = found
    nominations = queries.nominations_shown(opening.id)
    nominated_ids = [n.student_id for n in nominations]
    filters = {"cetpro_ids": targets, "verified_only": True}
    others = queries.best_for_opening(facts, 20, exclude=set(nominated_ids), **filters)
    # Only the shown students are read whole (modules, certificates, and skills when the
    # opening asks for any, once for the reasons and the summaries): the nominees and the best 20.
    shown_ids = nominated_ids + [m.candidate_id for m in others]
    held = certificates.by_student(shown_ids)
    items = queries.held_items(shown_ids, any(r.key[0] == "skill" for r in facts.requirements), held)
    ranked = queries.ranked_for_opening(facts, only_ids=sorted(nominated_ids), **filters) + others
    scores = {m.candidate_id: m for m in queries.explain(ranked, items)}
    students = queries.student_summaries(shown_ids, items, ranked, held)
    # Nominees who applied show as applicants; others invited before show it (a nominee's is on its nomination).
    applied, invited = queries.answered(opening.id, nominated_ids, [m.candidate_id for m in others])
    return htmx.render("matching/recommended.html", "matching/_recommended.html", opening=opening,
                       nominations=nominations, others=[scores[m.candidate_id] for m in others], scores=scores,
                       applied=applied, invited=invited, students=students)


@bp.route("/ofertas/<int:opening_id>/recomendados/<int:student_id>/invitar", methods=["POST"])
@role_required("employer")
def invite_student(opening_id: int, student_id: int):
    """Invite a recommended or matching student to apply (a notification with a one-tap link)."""
    opening = _employer_opening(opening_id)
    profile = db.session.get(StudentProfile, student_id)
    # Someone Recomendados lists (or listed: one who applied since is told so, not a 404).
    if profile is None or not (profile.id in queries.nominated_ids(opening.id) or queries.ranked_for_opening(
            queries.opening_facts(opening), only_ids=[profile.id], cetpro_ids=queries.targeted_cetpro_ids(opening),
            verified_only=True, exclude_applied=False)):
        abort(404)
    location = url_for(".recommended", opening_id=opening.id)
    try:
        services.invite(current_user, opening, profile)
    except services.InvitationError as error:
        return htmx.done(location, "matching/_applied.html", message=str(error), kind="error", status=409,
                         opening=opening)
    message = "Invitación enviada. Le avisamos con un enlace para postular en un toque."
    return htmx.done(location, "matching/_invited.html", message=message, profile=profile)
