"""Reads for the employer dashboard, scoped to the employer's company."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.applications.states import OPEN_STATES
from portal.extensions import db
from portal.models import Application, Company, CompanyMember, Opening, User


def pending_membership(user: User) -> CompanyMember | None:
    return db.session.scalar(
        select(CompanyMember).where(CompanyMember.user_id == user.id, CompanyMember.state == "pending")
    )


def opening_counts(company: Company) -> dict[str, int]:
    rows = db.session.execute(
        select(Opening.state, func.count()).where(Opening.company_id == company.id).group_by(Opening.state)
    )
    return {state: count for state, count in rows}


def application_counts(company: Company) -> dict[str, int]:
    rows = db.session.execute(
        select(Application.state, func.count())
        .join(Opening, Opening.id == Application.opening_id)
        .where(Opening.company_id == company.id)
        .group_by(Application.state)
    )
    return {state: count for state, count in rows}


def recent_openings(company: Company, limit: int = 10) -> list[Opening]:
    return list(
        db.session.scalars(
            select(Opening).where(Opening.company_id == company.id)
            .order_by(Opening.created_at.desc(), Opening.id.desc()).limit(limit)
        )
    )


class OpeningRow:
    """An opening on the dashboard with its applicants counted by state."""

    __slots__ = ("opening", "counts")

    def __init__(self, opening: Opening, counts: dict[str, int]):
        self.opening = opening
        self.counts = counts

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pending(self) -> int:
        """Applicants still waiting for an answer."""
        return sum(self.counts.get(s, 0) for s in OPEN_STATES)


def opening_rows(company: Company, limit: int = 100) -> list[OpeningRow]:
    openings = list(
        db.session.scalars(
            select(Opening).where(Opening.company_id == company.id)
            .order_by(Opening.id.desc())
            .limit(limit)
        )
    )
    openings.sort(key=lambda o: (o.state != "published", o.state != "draft", -(o.id)))
    counts: dict[int, dict[str, int]] = {o.id: {} for o in openings}
    if openings:
        rows = db.session.execute(
            select(Application.opening_id, Application.state, func.count())
            .where(Application.opening_id.in_(counts))
            .group_by(Application.opening_id, Application.state)
        )
        for opening_id, state, count in rows:
            counts[opening_id][state] = count
    return [OpeningRow(o, counts[o.id]) for o in openings]


def pending_member_count(company: Company) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CompanyMember)
        .join(User, User.id == CompanyMember.user_id)
        .where(CompanyMember.company_id == company.id, CompanyMember.state == "pending",
               User.email_confirmed_at.is_not(None))
    ) or 0
