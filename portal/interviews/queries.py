"""Reading interviews, always within who may see them: the student her own, an employer
the interviews of its company's openings."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from portal import clock, vocab
from portal.extensions import db
from portal.models import Application, CompanyMember, Interview, Opening, StudentProfile, User


def _company_id(user: User) -> int | None:
    return db.session.scalar(select(CompanyMember.company_id).where(CompanyMember.user_id == user.id,
                                                                    CompanyMember.state == "active"))


def _of_company(company_id: int | None):
    return (select(Interview).join(Application, Application.id == Interview.application_id)
            .join(Opening, Opening.id == Application.opening_id).where(Opening.company_id == company_id))


def for_employer(user: User, interview_id: int) -> Interview | None:
    """One interview of the employer's company (admins: any)."""
    if user.role == "admin":
        return db.session.get(Interview, interview_id)
    return db.session.scalar(_of_company(_company_id(user)).where(Interview.id == interview_id))


def for_student(user: User, interview_id: int) -> Interview | None:
    return db.session.scalar(
        select(Interview).join(Application, Application.id == Interview.application_id)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(Interview.id == interview_id, StudentProfile.user_id == user.id))


def of_application(application: Application) -> list[Interview]:
    """Every interview of an application, the latest first."""
    return list(db.session.scalars(select(Interview).where(Interview.application_id == application.id)
                                   .options(selectinload(Interview.slots))
                                   .order_by(Interview.created_at.desc(), Interview.id.desc())))


# Built once, the ids bound at execution (building it cost ~0.2 ms a request, 2026-12-04).
_OPEN_OF_APPLICATIONS = (select(Interview)
                         .where(Interview.application_id.in_(bindparam("application_ids", expanding=True)),
                                Interview.state.in_(vocab.INTERVIEW_OPEN_STATES))
                         .options(selectinload(Interview.slots)))


def current_by_application(application_ids: Iterable[int]) -> dict[int, Interview]:
    """Each application's open interview (proposed, confirmed or asked to change), for the
    pipeline's rows: one query for the whole page."""
    ids = list(application_ids)
    if not ids:
        return {}
    rows = db.session.scalars(_OPEN_OF_APPLICATIONS, {"application_ids": ids})
    return {row.application_id: row for row in rows}


def of_student(user: User) -> list[Interview]:
    """Her open interviews and the last month's, soonest first (dashboard, applications page)."""
    since = clock.utcnow() - timedelta(days=30)
    return list(db.session.scalars(
        select(Interview).join(Application, Application.id == Interview.application_id)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(StudentProfile.user_id == user.id,
               Interview.state.in_(vocab.INTERVIEW_OPEN_STATES) | (Interview.updated_at >= since))
        .options(selectinload(Interview.slots))
        .order_by(Interview.starts_at.is_(None), Interview.starts_at, Interview.id)))


def week_start(value: str | None) -> date:
    """The Monday of the week asked for (?semana=2026-12-07, any day of it); this week's otherwise."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        day = clock.today()
    if not 2000 <= day.year <= 2100:  # a hostile or mistyped year: this week (no overflow at year 9999)
        day = clock.today()
    return day - timedelta(days=day.weekday())


def _utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), clock.LIMA).astimezone(UTC).replace(tzinfo=None)


def week(user: User, monday: date) -> list[Interview]:
    """The company's confirmed (and held) interviews of the week Monday–Sunday, Lima time."""
    starts, ends = _utc(monday), _utc(monday + timedelta(days=7))
    return list(db.session.scalars(
        _of_company(_company_id(user))
        .where(Interview.state.in_(("confirmed", "done")), Interview.starts_at >= starts, Interview.starts_at < ends)
        .order_by(Interview.starts_at, Interview.id)))


def waiting(user: User) -> list[Interview]:
    """The company's proposals still without a time (waiting for her, or for a new proposal)."""
    return list(db.session.scalars(
        _of_company(_company_id(user)).where(Interview.state.in_(("proposed", "reschedule")))
        .options(selectinload(Interview.slots)).order_by(Interview.created_at, Interview.id)))


def to_record(user: User) -> list[Interview]:
    """Past confirmed interviews whose attendance the employer has not recorded yet."""
    return list(db.session.scalars(
        _of_company(_company_id(user)).where(Interview.state == "confirmed", Interview.starts_at <= clock.utcnow())
        .order_by(Interview.starts_at, Interview.id)))
