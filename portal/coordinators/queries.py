"""Reads for the coordinator dashboard, scoped to the coordinator's CETPRO."""
from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select

from portal import clock
from portal.access import students_of
from portal.extensions import db
from portal.matching import index as matching_index
from portal.matching import queries as matching_queries
from portal.models import Cetpro, Placement, StudentProfile
from portal.openings.cards import OpeningCard


def student_counts(cetpro: Cetpro) -> tuple[dict[str, int], int]:
    """(students by status, how many await verification): one pass over the CETPRO's
    students, so each one's confirmed email is checked once for both."""
    counts, pending = {}, 0
    for status, count, awaiting in db.session.execute(
        select(StudentProfile.status, func.count(),
               func.sum(case((StudentProfile.verification_state == "pending", 1), else_=0)))
        .where(students_of(cetpro.id))
        .group_by(StudentProfile.status)
    ):
        counts[status] = count
        pending += awaiting or 0
    return counts, pending


def pending_verifications(cetpro: Cetpro) -> int:
    return db.session.scalar(
        select(func.count()).select_from(StudentProfile)
        .where(students_of(cetpro.id), StudentProfile.verification_state == "pending")
    ) or 0


def placements_this_year(cetpro: Cetpro, today: date | None = None) -> int:
    """Placements starting this year as Lima counts it (one recorded ahead for January is next year's)."""
    year = (today or clock.today()).year
    return db.session.scalar(
        select(func.count()).select_from(Placement)
        .where(Placement.cetpro_id == cetpro.id,
               Placement.start_date >= date(year, 1, 1), Placement.start_date < date(year + 1, 1, 1))
    ) or 0


def relevant_openings(cetpro: Cetpro, limit: int = 10) -> list[OpeningCard]:
    """Published openings that target this CETPRO, or are for every CETPRO and take a
    programme it teaches (by family, or naming the programme): the newest `limit`, as
    listing cards from the listing's index (exact as of the current data version; one
    statement reads the taught programmes)."""
    taught = db.session.scalars(
        select(StudentProfile.programme_id).where(StudentProfile.cetpro_id == cetpro.id).distinct())
    return matching_index.relevant_to_cetpro(cetpro.id, list(taught), clock.today(), limit)


def strong_candidates(cetpro: Cetpro, openings: list) -> dict[int, int]:
    """For each opening, how many of this CETPRO's students score 70 or more."""
    return matching_queries.strong_counts(cetpro.id, openings)
