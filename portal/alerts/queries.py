"""Reads of job alerts: a student's own, scoped to her profile."""
from __future__ import annotations

from sqlalchemy import select

from portal.alerts.services import filters_of
from portal.extensions import db
from portal.models import Alert, StudentProfile
from portal.openings import queries as opening_queries


def alerts_of(profile: StudentProfile) -> list[Alert]:
    return list(db.session.scalars(select(Alert).where(Alert.student_id == profile.id)
                                   .order_by(Alert.created_at.desc(), Alert.id.desc())))


def alert_of(profile: StudentProfile, alert_id: int) -> Alert | None:
    """One of her alerts (None for another student's: the caller answers 404)."""
    return db.session.scalar(select(Alert).where(Alert.id == alert_id, Alert.student_id == profile.id))


def matching_now(alert: Alert) -> int:
    """How many open openings its search finds now: the listing's own count."""
    return opening_queries.search_openings(filters_of(alert)).total


def initial_alert(profile: StudentProfile) -> Alert | None:
    """The alert made for her at sign-up, while she keeps it."""
    return db.session.scalar(select(Alert).where(Alert.student_id == profile.id, Alert.initial.is_(True)))
