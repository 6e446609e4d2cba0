"""Reads for the coordinator dashboard, scoped to the coordinator's CETPRO."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Cetpro, Opening, Placement, Programme, StudentProfile, User, opening_cetpros
from portal.openings.queries import open_conditions


def cetpro_of(user: User) -> Cetpro | None:
    return db.session.get(Cetpro, user.cetpro_id) if user.cetpro_id else None


def student_counts(cetpro: Cetpro) -> dict[str, int]:
    rows = db.session.execute(
        select(StudentProfile.status, func.count())
        .where(StudentProfile.cetpro_id == cetpro.id)
        .group_by(StudentProfile.status)
    )
    return {status: count for status, count in rows}


def pending_verifications(cetpro: Cetpro) -> int:
    return db.session.scalar(
        select(func.count()).select_from(StudentProfile)
        .join(User, User.id == StudentProfile.user_id)
        .where(StudentProfile.cetpro_id == cetpro.id, StudentProfile.verification_state == "pending",
               User.email_confirmed_at.is_not(None))  # unconfirmed sign-ups wait for no one
    ) or 0


def placements_this_year(cetpro: Cetpro, today: date | None = None) -> int:
    start = date((today or date.today()).year, 1, 1)
    return db.session.scalar(
        select(func.count()).select_from(Placement)
        .where(Placement.cetpro_id == cetpro.id, Placement.start_date >= start)
    ) or 0


def relevant_openings(cetpro: Cetpro, limit: int = 10) -> list[Opening]:
    """Published openings that target this CETPRO or ask for a family it teaches."""
    taught_families = (
        select(Programme.family_id)
        .join(StudentProfile, StudentProfile.programme_id == Programme.id)
        .where(StudentProfile.cetpro_id == cetpro.id)
        .distinct()
    )
    targeted = select(opening_cetpros.c.opening_id).where(opening_cetpros.c.cetpro_id == cetpro.id)
    query = (
        select(Opening)
        .where(
            *open_conditions(),
            or_(Opening.id.in_(targeted),
                (Opening.targets_all_cetpros.is_(True)) & Opening.family_id.in_(taught_families)),
        )
        .options(joinedload(Opening.company))  # each card names its company
        .order_by(Opening.published_at.desc(), Opening.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def strong_candidates(cetpro: Cetpro, openings: list[Opening]) -> dict[int, int]:
    """For each opening, how many of this CETPRO's students score 70 or more."""
    from portal.matching.queries import strong_counts

    return strong_counts(cetpro.id, openings)
