"""Nominations: a coordinator puts one of its students in front of an employer."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import links
from portal.access import students_of
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.matching import queries
from portal.models import Application, CompanyMember, Nomination, Opening, StudentProfile, User
from portal.notifications.services import notify


class NominationError(ValueError):
    """A refused nomination, with a Spanish message."""


def nominate(coordinator: User, opening: Opening, profile: StudentProfile, note: str | None = None) -> Nomination:
    reachable = db.session.scalar(select(StudentProfile.id).where(StudentProfile.id == profile.id,
                                                                  students_of(coordinator.cetpro_id)))
    if reachable is None:
        raise NominationError("Solo puedes recomendar a estudiantes de tu CETPRO.")
    if opening.state != "published":
        raise NominationError("Esta oferta ya no recibe postulaciones: no se puede recomendar a nadie.")
    if not opening.targets_all_cetpros and coordinator.cetpro_id not in {c.id for c in opening.cetpros}:
        raise NominationError("Esta oferta no está dirigida a tu CETPRO.")
    if not profile.open_to_offers:
        raise NominationError(f"{profile.user.full_name} no está recibiendo ofertas por ahora.")
    existing = db.session.scalar(
        select(Nomination).where(Nomination.opening_id == opening.id, Nomination.student_id == profile.id))
    if existing is not None:
        raise NominationError(f"{profile.user.full_name} ya está recomendado(a) para esta oferta.")
    nomination = Nomination(opening_id=opening.id, student_id=profile.id, cetpro_id=profile.cetpro_id,
                            nominated_by_id=coordinator.id, note=(note or "").strip()[:500] or None)
    db.session.add(nomination)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise NominationError(f"{profile.user.full_name} ya está recomendado(a) para esta oferta.") from None
    cetpro = profile.cetpro.name
    notify(profile.user_id, "nomination",
           f"{cetpro} te recomendó para «{opening.title}». Revisa la oferta y postula si te interesa.",
           links.path("openings.show", opening_id=opening.id),
           email=(f"Te recomendaron para {opening.title}",
                  f"{cetpro} te recomendó para «{opening.title}» en {opening.company.display_name}. "
                  "Revisa la oferta y postula si te interesa:"))
    members = db.session.scalars(select(CompanyMember.user_id).where(
        CompanyMember.company_id == opening.company_id, CompanyMember.state == "active"))
    for user_id in members:
        notify(user_id, "nomination",
               f"{cetpro} recomienda a {profile.user.full_name} para «{opening.title}».",
               links.path("employers.recommended", opening_id=opening.id),
               email=(f"{cetpro} recomienda un(a) candidato(a) para {opening.title}",
                      f"{cetpro} recomienda a {profile.user.full_name} para «{opening.title}». "
                      "Mira su perfil en Recomendados por CETPRO:"))
    audit("nomination.created", nomination, coordinator)
    db.session.commit()
    return nomination


class InvitationError(ValueError):
    """A refused invitation, with a Spanish message."""


def invite(employer: User, opening: Opening, profile: StudentProfile) -> None:
    """'Invitar a postular': the student gets a notice with a one-tap apply link."""
    if db.session.scalar(select(Application.id).where(
            Application.opening_id == opening.id, Application.student_id == profile.id)) is not None:
        raise InvitationError("Ya postuló a esta oferta: su postulación está en «Postulantes».")
    nomination = db.session.scalar(
        select(Nomination).where(Nomination.opening_id == opening.id, Nomination.student_id == profile.id))
    if nomination is not None:
        if nomination.invited_at is not None:
            return
        nomination.invited_at = utcnow()
    elif queries.invited_among(opening.id, [profile.id]):
        return  # invited once already: never spam a student
    notify(profile.user_id, "invitation",
           f"{opening.company.display_name} te invita a postular a «{opening.title}».",
           links.path("openings.show", opening_id=opening.id),
           email=(f"{opening.company.display_name} te invita a postular",
                  f"{opening.company.display_name} vio tu perfil y te invita a postular a «{opening.title}». "
                  "Postular toma un toque:"))
    audit("opening.invited", opening, employer, student=profile.id)
    db.session.commit()
