"""Who may see what: role checks and tenant-scoped queries (DESIGN.md §1).

Every view that shows or changes a tenant's data gets its rows through these
functions, so the rule lives in the query, never only in a template:
a coordinator sees its own CETPRO's students; an employer sees its company's
data, and a student's data only once that student applied to, or was nominated
for, one of the company's openings; a student sees its own.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.orm import aliased
from werkzeug.exceptions import Forbidden

from portal.extensions import db, login_manager
from portal.models import (
    Application,
    Cetpro,
    Company,
    CompanyMember,
    Nomination,
    Opening,
    StudentProfile,
    User,
)


def role_required(*roles: str):
    """Anonymous visitors go to /ingresar; a signed-in user of another role gets the
    login page with 403, so they can switch to the right account."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                raise WrongRole(roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


ROLE_ACCOUNTS = {
    "student": "de estudiante",
    "employer": "de empresa",
    "coordinator": "de coordinación",
    "admin": "de administración",
}


class WrongRole(Forbidden):
    """A signed-in user of another role asked for a page. portal/accounts answers it with the
    sign-in page (403), so the person can switch to the right account."""

    def __init__(self, roles: tuple[str, ...]):
        self.kinds = " o ".join(ROLE_ACCOUNTS[r] for r in roles)
        super().__init__(f"Esta página es para cuentas {self.kinds}.")


def cetpro_of(user: User) -> Cetpro | None:
    """The CETPRO a coordinator works for."""
    if user.role != "coordinator" or not user.cetpro_id:
        return None
    return db.session.get(Cetpro, user.cetpro_id)


def current_cetpro() -> Cetpro:
    """The signed-in coordinator's CETPRO; a coordinator without one may not be here (403)."""
    cetpro = cetpro_of(current_user)
    if cetpro is None:
        abort(403)
    return cetpro


def current_company() -> Company:
    """The signed-in employer's company. A member still waiting to be accepted has none yet
    and goes to the dashboard, which says why."""
    company = company_of(current_user)
    if company is None:
        abort(redirect(url_for("employers.dashboard")))
    return company


def company_of(user: User) -> Company | None:
    """The company an employer acts for, once its membership is active."""
    if user.role != "employer":
        return None
    return db.session.scalar(_COMPANY_OF, {"user_id": user.id})


# Built once (every employer page asks it), the user bound at execution.
_COMPANY_OF = (select(Company).join(CompanyMember, CompanyMember.company_id == Company.id)
               .where(CompanyMember.user_id == bindparam("user_id"), CompanyMember.state == "active"))


def confirmed_student() -> ColumnElement:
    """A condition on StudentProfile: its account's email was confirmed.

    A sign-up whose email was never confirmed is nobody's work yet: nobody can sign in
    with it, it may be someone else's address, and `accounts purge-unconfirmed` removes it
    after 7 days. Nothing lists, verifies, nominates, ranks or places it; acting on it by
    id answers 404, as for a row that does not exist."""
    account = aliased(User)  # its own name: the outer query may join users itself
    return (select(account.id).where(account.id == StudentProfile.user_id, account.email_confirmed_at.is_not(None))
            .correlate_except(account).exists())


def students_of(cetpro_id: int | None) -> ColumnElement:
    """A condition on StudentProfile: the students a coordinator of this CETPRO may see and
    act on (its own, once their email is confirmed). Every list and every action of a
    coordinator on students goes through it, so the rule is one line."""
    return and_(StudentProfile.cetpro_id == (cetpro_id or -1), confirmed_student())


def students_visible_to(user: User) -> Select:
    """A select of StudentProfile rows this user may see personal data of."""
    query = select(StudentProfile)
    if user.role == "admin":
        return query
    if user.role == "coordinator":
        return query.where(students_of(user.cetpro_id))
    if user.role == "student":
        return query.where(StudentProfile.user_id == user.id)
    if user.role == "employer":
        company = company_of(user)
        if company is None:
            return query.where(False)
        company_openings = select(Opening.id).where(Opening.company_id == company.id)
        applied = select(Application.student_id).where(Application.opening_id.in_(company_openings))
        nominated = select(Nomination.student_id).where(Nomination.opening_id.in_(company_openings))
        return query.where(or_(StudentProfile.id.in_(applied), StudentProfile.id.in_(nominated)))
    return query.where(False)


def openings_managed_by(user: User) -> Select:
    """Openings this user may edit or whose applicants it may manage."""
    query = select(Opening)
    if user.role == "admin":
        return query
    if user.role == "employer":
        # The company of `company_of` (one membership a user), as a subquery: no statement
        # of its own before the opening's.
        return query.where(Opening.company_id.in_(select(CompanyMember.company_id).where(
            CompanyMember.user_id == user.id, CompanyMember.state == "active")))
    return query.where(False)


def applications_visible_to(user: User) -> Select:
    query = select(Application)
    if user.role == "admin":
        return query
    if user.role == "student":
        profile_ids = select(StudentProfile.id).where(StudentProfile.user_id == user.id)
        return query.where(Application.student_id.in_(profile_ids))
    if user.role == "employer":
        company = company_of(user)
        company_openings = select(Opening.id).where(Opening.company_id == (company.id if company else -1))
        return query.where(Application.opening_id.in_(company_openings))
    if user.role == "coordinator":
        own_students = select(StudentProfile.id).where(StudentProfile.cetpro_id == (user.cetpro_id or -1))
        return query.where(Application.student_id.in_(own_students))
    return query.where(False)


def one_or_404(query: Select):
    """The single row of a scoped query, or 404: another tenant's row does not exist for you."""
    row = db.session.scalar(query.limit(1))
    if row is None:
        abort(404)
    return row
