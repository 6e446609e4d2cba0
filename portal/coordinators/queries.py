"""Reads for the coordinator dashboard, scoped to the coordinator's CETPRO."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal import clock
from portal.access import confirmed_student, students_of
from portal.extensions import db
from portal.matching import index as matching_index
from portal.matching import queries as matching_queries
from portal.models import Cetpro, Placement, StudentProfile
from portal.openings.cards import OpeningCard


@dataclass(frozen=True)
class CetproStudents:
    """What the dashboard needs of a CETPRO's students, from one read of them (each was read
    three times, one statement each: 263 scattered pages of student_profiles a time on
    PostgreSQL at the large set, 2026-12-04)."""

    programmes: list[int]  # the programmes its students take (confirmed or not): what it teaches
    by_status: dict[str, int]  # its students (`students_of`) by status
    pending: int  # of those, how many await verification
    open_rows: list  # of those, the ones open to offers: `matching.queries.CANDIDATE_COLUMNS` rows


def cetpro_students(cetpro: Cetpro) -> CetproStudents:
    """One statement: every student of the CETPRO, each one's confirmed email checked once."""
    programmes, by_status, pending, open_rows = set(), {}, 0, []
    for *columns, open_to_offers, verification_state, confirmed in db.session.execute(
        select(*matching_queries.CANDIDATE_COLUMNS, StudentProfile.open_to_offers, StudentProfile.verification_state,
               confirmed_student().label("confirmed"))
        .where(StudentProfile.cetpro_id == cetpro.id)
    ):
        programmes.add(columns[1])
        if not confirmed:
            continue
        by_status[columns[3]] = by_status.get(columns[3], 0) + 1
        pending += verification_state == "pending"
        if open_to_offers:
            open_rows.append(tuple(columns))
    return CetproStudents(sorted(programmes), by_status, pending, open_rows)


def student_counts(cetpro: Cetpro) -> tuple[dict[str, int], int]:
    """(students by status, how many await verification)."""
    students = cetpro_students(cetpro)
    return students.by_status, students.pending


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


def relevant_openings(cetpro: Cetpro, limit: int = 10, students: CetproStudents | None = None
                      ) -> list[OpeningCard]:
    """Published openings that target this CETPRO, or are for every CETPRO and take a
    programme it teaches (by family, or naming the programme): the newest `limit`, as
    listing cards from the listing's index (exact as of the current data version; one
    statement reads the taught programmes, unless `students` are given)."""
    taught = students.programmes if students is not None else list(db.session.scalars(
        select(StudentProfile.programme_id).where(StudentProfile.cetpro_id == cetpro.id).distinct()))
    return matching_index.relevant_to_cetpro(cetpro.id, taught, clock.today(), limit)


def strong_candidates(cetpro: Cetpro, openings: list, students: CetproStudents | None = None) -> dict[int, int]:
    """For each opening, how many of this CETPRO's students score 70 or more."""
    return matching_queries.strong_counts(cetpro.id, openings,
                                          rows=students.open_rows if students is not None else None)
