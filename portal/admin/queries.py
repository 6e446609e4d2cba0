"""Platform-wide figures for admins."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Application,
    Cetpro,
    Company,
    Opening,
    OpeningReport,
    OutboxEmail,
    Placement,
    StudentProfile,
    User,
)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def totals() -> dict[str, int]:
    return {
        "cetpros": _count(Cetpro),
        "students": _count(StudentProfile),
        "companies": _count(Company),
        "unverified_companies": _count(Company, Company.verification_state == "unverified"),
        "published_openings": _count(Opening, Opening.state == "published"),
        "applications": _count(Application),
        "placements": _count(Placement),
        "open_reports": _count(OpeningReport, OpeningReport.resolved_at.is_(None)),
        "users": _count(User),
        "failed_emails": _count(OutboxEmail, OutboxEmail.failed_at.is_not(None)),
        "pending_deletions": _count(User, User.deletion_due_at.is_not(None), User.deleted_at.is_(None)),
    }
