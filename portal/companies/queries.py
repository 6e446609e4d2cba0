"""Reads for company profiles, teams and the verification queues, scoped in the query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import joinedload

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, Company, CompanyEndorsement, CompanyInvitation, CompanyMember, Convenio, User
from portal.paging import Choice, Page, PageNumber, QueryFilters, Text

PER_PAGE = 20

# `estado` in the queue URLs (Spanish, shareable) → stored verification state.
STATE_FILTERS = {
    "por-verificar": "unverified",
    "verificadas": "verified",
    "rechazadas": "rejected",
    "todas": None,
}
STATE_FILTER_LABELS = {
    "por-verificar": "Por verificar",
    "verificadas": "Verificadas",
    "rechazadas": "Rechazadas",
    "todas": "Todas",
}
DEFAULT_STATE_FILTER = "por-verificar"



# --- Team ---------------------------------------------------------------------------------


def members(company: Company, state: str = "active") -> list[CompanyMember]:
    return list(
        db.session.scalars(
            select(CompanyMember)
            .options(joinedload(CompanyMember.user))
            .join(User, User.id == CompanyMember.user_id)
            .where(CompanyMember.company_id == company.id, CompanyMember.state == state,
                   User.email_confirmed_at.is_not(None))  # a request counts once its email is confirmed
            .order_by(CompanyMember.is_owner.desc(), User.first_names, User.last_names, User.id)
        )
    )


def request_of(company: Company, member_id: int) -> Select:
    """A membership of this company only: another company's request does not exist here."""
    return select(CompanyMember).where(CompanyMember.id == member_id, CompanyMember.company_id == company.id)


def companies_with_logo() -> list[int]:
    return list(db.session.scalars(select(Company.id).where(Company.logo_path.is_not(None)).order_by(Company.id)))


def member_of(company: Company, member_id: int) -> Select:
    """An active membership of this company only: another company's member does not exist here."""
    return select(CompanyMember).where(CompanyMember.id == member_id, CompanyMember.company_id == company.id,
                                       CompanyMember.state == "active")


def is_owner(company: Company, user: User) -> bool:
    """Whether `user` administers `company`: an active member who registered it (or was made owner)."""
    return user.role == "employer" and bool(
        db.session.scalar(
            select(CompanyMember.id).where(
                CompanyMember.company_id == company.id, CompanyMember.user_id == user.id,
                CompanyMember.state == "active", CompanyMember.is_owner.is_(True),
            )
        )
    )


def lock_owners(company: Company) -> list[int]:
    """The user ids of the company's active owners, their rows locked until the transaction
    ends (PostgreSQL), so two owners removing each other at once cannot leave none."""
    return list(db.session.scalars(
        select(CompanyMember.user_id)
        .where(CompanyMember.company_id == company.id, CompanyMember.state == "active",
               CompanyMember.is_owner.is_(True))
        .order_by(CompanyMember.id)
        .with_for_update()
    ))


def pending_invitations(company: Company, since) -> list[CompanyInvitation]:
    """Invitations whose link still works (sent after `since`), newest first."""
    return list(db.session.scalars(
        select(CompanyInvitation)
        .options(joinedload(CompanyInvitation.inviter))
        .where(CompanyInvitation.company_id == company.id, CompanyInvitation.state == "pending",
               CompanyInvitation.sent_at > since)
        .order_by(CompanyInvitation.sent_at.desc(), CompanyInvitation.id.desc())
    ))


def invitation_of(company: Company, invitation_id: int) -> Select:
    """An invitation of this company only."""
    return select(CompanyInvitation).where(CompanyInvitation.id == invitation_id,
                                           CompanyInvitation.company_id == company.id)


def pending_invitation_for(company: Company, email: str) -> CompanyInvitation | None:
    return db.session.scalar(
        select(CompanyInvitation)
        .where(CompanyInvitation.company_id == company.id, CompanyInvitation.email == email,
               CompanyInvitation.state == "pending")
        .order_by(CompanyInvitation.id.desc()).limit(1)
    )


def company(company_id: int) -> Company | None:
    return db.session.get(Company, company_id)


def is_active_member(company: Company, user: User) -> bool:
    """Whether `user` is an employer acting for `company` now (not a pending request)."""
    return user.role == "employer" and bool(
        db.session.scalar(
            select(CompanyMember.id).where(
                CompanyMember.company_id == company.id,
                CompanyMember.user_id == user.id,
                CompanyMember.state == "active",
            )
        )
    )


def membership_of(user: User) -> CompanyMember | None:
    return db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == user.id))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


# --- Verification ---------------------------------------------------------------------------


def active_convenio(cetpro_id: int, on: date):
    """Clause: a convenio in force between the CETPRO and the company on a day (DESIGN §3)."""
    return (
        (Convenio.cetpro_id == cetpro_id)
        & (Convenio.state == "active")
        & (Convenio.start_date <= on)
        & (Convenio.end_date.is_(None) | (Convenio.end_date >= on))
    )


def has_active_convenio(cetpro_id: int | None, company_id: int, on: date | None = None) -> bool:
    if not cetpro_id:
        return False
    return bool(
        db.session.scalar(
            select(exists().where(active_convenio(cetpro_id, on or clock.today()), Convenio.company_id == company_id))
        )
    )


def verifiable_by(user: User, on: date | None = None) -> Select:
    """Companies this user may verify or reject: all for an admin; for a coordinator, those
    with a convenio in force with its CETPRO; nothing for anyone else."""
    query = select(Company)
    if not user.active:
        return query.where(False)
    if user.role == "admin":
        return query
    if user.role == "coordinator" and user.cetpro_id:
        partners = select(Convenio.company_id).where(active_convenio(user.cetpro_id, on or clock.today()))
        return query.where(Company.id.in_(partners))
    return query.where(False)


class QueueFilters(QueryFilters):
    """The queue's query string; unknown or malformed values are ignored, never an error."""

    estado = Choice(STATE_FILTER_LABELS, DEFAULT_STATE_FILTER, title="Estado")
    q = Text(100)
    pagina = PageNumber()


def _search(query: Select, q: str) -> Select:
    if not q:
        return query
    digits = q.replace(" ", "")
    if digits.isdigit():
        return query.where(Company.ruc.startswith(digits))
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return query.where(
        or_(func.lower(Company.legal_name).like(pattern, escape="\\"),
            func.lower(Company.trade_name).like(pattern, escape="\\"))
    )


def queue(user: User, filters: QueueFilters, on: date | None = None) -> Page[Company]:
    """One page of the companies `user` may verify, filtered by state and search."""
    on = on or clock.today()
    scoped = _search(verifiable_by(user, on), filters.q)
    counted = scoped.with_only_columns(Company.verification_state, func.count())
    counts = dict(db.session.execute(counted.group_by(Company.verification_state)).all())
    state = STATE_FILTERS[filters.estado]
    total = sum(counts.values()) if state is None else counts.get(state, 0)
    query = scoped if state is None else scoped.where(Company.verification_state == state)
    # The waiting queue is first come, first served; the others read best alphabetically.
    order = (Company.created_at, Company.id) if state == "unverified" else (Company.legal_name, Company.id)
    items = list(
        db.session.scalars(query.order_by(*order).limit(PER_PAGE).offset((filters.pagina - 1) * PER_PAGE))
    )
    convenios: dict[int, Convenio] = {}
    if user.role == "coordinator" and items:
        rows = db.session.scalars(
            select(Convenio)
            .where(active_convenio(user.cetpro_id, on), Convenio.company_id.in_([c.id for c in items]))
            .order_by(Convenio.end_date.desc().nulls_first())
        )
        for convenio in rows:
            convenios.setdefault(convenio.company_id, convenio)
    return Page(items=items, total=total, page=filters.pagina, per_page=PER_PAGE,
                extra={"counts": counts, "convenios": convenios,
                       "identity": identity_changes([c.id for c in items]),
                       "endorsements": endorsements([c.id for c in items])})


def convenio_for(user: User, company: Company, on: date | None = None) -> Convenio | None:
    if user.role != "coordinator" or not user.cetpro_id:
        return None
    return db.session.scalar(
        select(Convenio)
        .where(active_convenio(user.cetpro_id, on or clock.today()), Convenio.company_id == company.id)
        .order_by(Convenio.end_date.desc().nulls_first())
        .limit(1)
    )


# --- What the verifier reads: changes of name and logo (the audit trail) --------------------

IDENTITY_CHANGES_SHOWN = 5


@dataclass(frozen=True)
class IdentityChange:
    at: datetime
    what: str  # "legal_name", "trade_name" or "logo"
    old: str | None = None
    new: str | None = None


def identity_changes(company_ids: list[int]) -> dict[int, list[IdentityChange]]:
    """The latest changes of razón social, nombre comercial and logo of these companies,
    newest first, as the audit trail recorded them (`company.profile_updated`)."""
    changes: dict[int, list[IdentityChange]] = {}
    if not company_ids:
        return changes
    events = db.session.execute(
        select(AuditEvent.object_id, AuditEvent.created_at, AuditEvent.data)
        .where(AuditEvent.object_type == "Company", AuditEvent.object_id.in_(company_ids),
               AuditEvent.action == "company.profile_updated")
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    for company_id, at, data in events:
        shown = changes.setdefault(company_id, [])
        data = data or {}
        for name in ("legal_name", "trade_name"):
            if isinstance(data.get(name), list) and len(data[name]) == 2 and len(shown) < IDENTITY_CHANGES_SHOWN:
                shown.append(IdentityChange(at, name, *data[name]))
        if "logo" in (data.get("fields") or ()) and len(shown) < IDENTITY_CHANGES_SHOWN:
            shown.append(IdentityChange(at, "logo"))
    return changes


def endorsements(company_ids: list[int]) -> dict[int, list[CompanyEndorsement]]:
    """What each CETPRO said about these companies (verified or rejected, why, when), oldest first."""
    found: dict[int, list[CompanyEndorsement]] = {}
    if company_ids:
        for row in db.session.scalars(
            select(CompanyEndorsement).options(joinedload(CompanyEndorsement.cetpro))
            .where(CompanyEndorsement.company_id.in_(company_ids))
            .order_by(CompanyEndorsement.decided_at, CompanyEndorsement.id)
        ):
            found.setdefault(row.company_id, []).append(row)
    return found
