"""Reads for the employer dashboard, scoped to the employer's company."""
from __future__ import annotations

from sqlalchemy import func, select

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
