"""What a listing result is: an opening's card (the columns a result shows, and the company's
name and badge), the listing's orders, and what anyone may find. Shared by the SQL reads
(portal/openings/queries.py) and the in-memory listing (portal/openings/index.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select

from portal import clock, formatting
from portal.models import Cetpro, Company, CompanyEndorsement, Opening

ORDER_BY = {
    "recientes": (Opening.published_at.desc(), Opening.id.desc()),
    "cierre": (Opening.deadline.asc().nulls_last(), Opening.id.desc()),
    "sueldo": (Opening.pay_monthly.desc().nulls_last(), Opening.id.desc()),
}


def open_conditions(day=None) -> tuple:
    """What anyone may find: published, and the deadline (Lima time) not yet passed (`day`:
    a date, a bind parameter, or None for today)."""
    day = clock.today() if day is None else day
    return (Opening.state == "published", or_(Opening.deadline.is_(None), Opening.deadline >= day))


@dataclass(frozen=True)
class CompanyName:
    """Enough of a company for `_macros/company.html`."""

    display_name: str
    is_verified: bool
    awaits_reverification: bool = False
    verified_by: str | None = None  # the CETPRO the badge names; None: Enlace CETPRO


@dataclass(frozen=True)
class OpeningCard:
    id: int
    title: str
    kind: str
    department_code: str | None
    province_code: str | None
    work_mode: str
    pay_monthly: Decimal | None
    deadline: date | None
    company: CompanyName

    @property
    def pay_label(self) -> str:
        """'S/ 1,500.00', as the `money` filter writes it."""
        return formatting.money(self.pay_monthly) if self.pay_monthly is not None else ""

    @property
    def deadline_label(self) -> str:
        """The deadline as the `day` filter writes it."""
        return formatting.day(self.deadline) if self.deadline else ""


CARD_COLUMNS = (
    Opening.id, Opening.title, Opening.kind, Opening.department_code, Opening.province_code,
    Opening.work_mode, Opening.pay_monthly, Opening.deadline,
    Company.legal_name, Company.trade_name, Company.verification_state, Company.identity_changed_at,
    # The first CETPRO that vouches for a company no admin decided on (Company.verified_by).
    select(Cetpro.name)
    .join(CompanyEndorsement, CompanyEndorsement.cetpro_id == Cetpro.id)
    .where(CompanyEndorsement.company_id == Company.id, CompanyEndorsement.state == "verified",
           Company.decided_by_admin.is_(False))
    .order_by(CompanyEndorsement.decided_at, CompanyEndorsement.id).limit(1)
    .correlate(Company).scalar_subquery().label("verified_by"),
)


def card_of(r) -> OpeningCard:
    """A card from a row of `CARD_COLUMNS`."""
    return OpeningCard(r.id, r.title, r.kind, r.department_code, r.province_code, r.work_mode,
                       r.pay_monthly, r.deadline,
                       CompanyName(r.trade_name or r.legal_name, r.verification_state == "verified",
                                   r.verification_state == "unverified" and r.identity_changed_at is not None,
                                   r.verified_by if r.verification_state == "verified" else None))
