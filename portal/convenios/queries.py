"""Reads for convenios, scoped to the two parties in the query, and how one reads today.

A convenio "in force" (what lets a coordinator verify the company) means exactly:
state "active" and start_date ≤ today ≤ end_date (or no end_date). The state shown
to people is computed from that on every read, so an expired convenio shows as
ended the day after its end, whether or not `convenios warn` has run since.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from portal import clock, places
from portal.extensions import db
from portal.models import Cetpro, Company, CompanyMember, Convenio, User

ENDING_WITHIN_DAYS = 30



def visible_to(user: User) -> Select:
    """Convenios this user may see: an admin all; a coordinator its CETPRO's; an employer its company's."""
    query = select(Convenio)
    if user.role == "admin":
        return query
    if user.role == "coordinator" and user.cetpro_id:
        return query.where(Convenio.cetpro_id == user.cetpro_id)
    if user.role == "employer":
        company_ids = select(CompanyMember.company_id).where(CompanyMember.user_id == user.id,
                                                             CompanyMember.state == "active")
        return query.where(Convenio.company_id.in_(company_ids))
    return query.where(False)


def side_of(user: User, convenio: Convenio) -> str | None:
    """Which party this user acts for in this convenio: "cetpro", "company", or None."""
    if user.role == "coordinator" and user.cetpro_id == convenio.cetpro_id:
        return "cetpro"
    if user.role == "employer":
        member = db.session.scalar(select(CompanyMember.id).where(
            CompanyMember.user_id == user.id, CompanyMember.company_id == convenio.company_id,
            CompanyMember.state == "active"))
        if member is not None:
            return "company"
    return None


@dataclass(frozen=True)
class Status:
    """How a convenio reads today."""

    code: str  # proposed | lapsed | upcoming | active | ending | ended | rejected
    label: str
    days_left: int | None = None

    @property
    def highlighted(self) -> bool:
        return self.code == "ending"


def status(convenio: Convenio, on: date) -> Status:
    end = convenio.end_date
    if convenio.state == "rejected":
        return Status("rejected", "No aceptado")
    if convenio.state == "proposed":
        if end is not None and end < on:
            return Status("lapsed", "Propuesta vencida")
        return Status("proposed", "Propuesto")
    if convenio.state == "ended" or (end is not None and end < on):
        return Status("ended", "Finalizado")
    if convenio.start_date > on:
        return Status("upcoming", "Aceptado, aún no empieza")
    if end is not None and (end - on).days <= ENDING_WITHIN_DAYS:
        days = (end - on).days
        when = "hoy" if days == 0 else ("mañana" if days == 1 else f"en {days} días")
        return Status("ending", f"Vigente, vence {when}", days)
    return Status("active", "Vigente")


# After the proposals this side must answer: its own pending ones, those ending soon, in force, the rest.
_ORDER = {"proposed": 0, "ending": 1, "active": 2, "upcoming": 3, "lapsed": 4, "ended": 5, "rejected": 6}


@dataclass
class Item:
    convenio: Convenio
    status: Status
    awaiting_me: bool  # proposed by the other side: this side may accept or decline


def listing(query: Select, side: str, on: date | None = None) -> list[Item]:
    on = on or clock.today()
    rows = db.session.scalars(
        query.options(joinedload(Convenio.company), joinedload(Convenio.cetpro))
        .order_by(Convenio.created_at.desc(), Convenio.id.desc())
    ).all()
    items = [item(c, side, on) for c in rows]
    items.sort(key=_position)  # stable: within a group, newest first
    return items


def _position(entry: Item) -> tuple[int, date]:
    # Proposals this side must answer come first; those in force read soonest-ending first;
    # the others keep newest-first.
    group = 0 if entry.awaiting_me else 1 + _ORDER[entry.status.code]
    in_force = entry.status.code in ("ending", "active")
    return group, (entry.convenio.end_date or date.max) if in_force else date.min


def item(convenio: Convenio, side: str, on: date | None = None) -> Item:
    shown = status(convenio, on or clock.today())
    return Item(convenio, shown, shown.code == "proposed" and convenio.proposed_by != side)


def for_cetpro(cetpro_id: int, on: date | None = None) -> list[Item]:
    return listing(select(Convenio).where(Convenio.cetpro_id == cetpro_id), "cetpro", on)


def for_company(company_id: int, on: date | None = None) -> list[Item]:
    return listing(select(Convenio).where(Convenio.company_id == company_id), "company", on)


def company_matches(q: str, limit: int = 8) -> list[Company]:
    """Companies by RUC (its first digits) or razón social / nombre comercial, for the coordinator."""
    q = " ".join((q or "").split())[:100]
    if len(q) < 2:
        return []
    query = select(Company)
    digits = q.replace(" ", "")
    if digits.isdigit():
        query = query.where(Company.ruc.startswith(digits))
    else:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Company.legal_name).like(pattern, escape="\\"),
                                func.lower(Company.trade_name).like(pattern, escape="\\")))
    return list(db.session.scalars(query.order_by(Company.legal_name, Company.id).limit(limit)))


def company_by_ruc(ruc: str) -> Company | None:
    return db.session.scalar(select(Company).where(Company.ruc == ruc))


def cetpro_choices() -> list[tuple[int, str]]:
    """Active CETPROs for the employer's select, by department then name."""
    rows = db.session.execute(
        select(Cetpro.id, Cetpro.name, Cetpro.department_code).where(Cetpro.active.is_(True))
        .order_by(Cetpro.department_code, Cetpro.name)
    ).all()
    return [(cid, f"{name} ({places.label(dept) if dept else ''})") for cid, name, dept in rows]


def ending_between(start: date, end: date) -> Select:
    """Active convenios whose end falls in [start, end] and whose coordinators were not warned yet."""
    return select(Convenio).where(
        Convenio.state == "active", Convenio.end_date.is_not(None),
        Convenio.end_date >= start, Convenio.end_date <= end, Convenio.end_warning_sent_at.is_(None),
    )


def warn_window(on: date) -> tuple[date, date]:
    return on, on + timedelta(days=ENDING_WITHIN_DAYS)
