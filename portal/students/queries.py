"""Reads for the student dashboard, always scoped to the signed-in student."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Application, StudentProfile, User


def profile_of(user: User) -> StudentProfile | None:
    return db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == user.id))


def application_counts(profile: StudentProfile) -> dict[str, int]:
    rows = db.session.execute(
        select(Application.state, func.count())
        .where(Application.student_id == profile.id)
        .group_by(Application.state)
    )
    return {state: count for state, count in rows}
