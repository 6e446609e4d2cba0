"""The RMV table (Remuneración Mínima Vital) and the one rule that reads it.

The rule: an opening is checked against the RMV in force on its start date, or today when
it has none (`in_force`). The opening form, publishing and the employer's "minimum pay"
hint all ask `in_force`, so they never disagree.

The table is history. A rate already in force is never changed or removed: openings were
checked against it and people were paid by it. Admins add a rate from a future date (the
government announces a new RMV before it applies: D.S. 006-2024-TR on 2024-12-28 for
2025-01-01), and may correct or withdraw it until that day. When they do, the employers
whose published openings would fall below the new legal minimum from that date are told
(notification + email) before the date, so they can raise the pay in time.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal import clock, links, vocab
from portal.audit import audit
from portal.extensions import db
from portal.formatting import day, money
from portal.models import Company, CompanyMember, Opening, RmvRate, User
from portal.notifications.services import notify
from portal.openings import legal

AMOUNT_MAX = Decimal("100000")  # Numeric(10, 2) holds more; no monthly minimum wage comes near
BASIS_MAX = 120  # RmvRate.legal_basis
SHOWN = 50  # openings listed in a preview; the count covers the rest


class RmvError(ValueError):
    """A broken rule; `problems` maps form fields to Spanish messages."""

    def __init__(self, message: str, problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}


@dataclass(frozen=True)
class RateData:
    effective_from: date | None
    amount: Decimal | None
    legal_basis: str = ""


@dataclass(frozen=True)
class Row:
    """A rate of the table and where it stands today."""

    rate: RmvRate
    status: str  # "vigente", "anterior" or "programada"

    @property
    def editable(self) -> bool:
        return self.status == "programada"


@dataclass(frozen=True)
class Below:
    """A published opening whose pay would be under the legal minimum from the new rate's date."""

    opening_id: int
    title: str
    kind: str
    company_id: int
    company_name: str
    pay: Decimal | None
    minimum: Decimal
    start_date: date | None

    @property
    def kind_label(self) -> str:
        return vocab.OPENING_KINDS[self.kind]


def in_force(on: date | None = None) -> RmvRate | None:
    """The RMV in force on a day: an opening's start date, or today when it has none."""
    return db.session.scalar(
        select(RmvRate)
        .where(RmvRate.effective_from <= (on or clock.today()))
        .order_by(RmvRate.effective_from.desc())
        .limit(1)
    )


def table() -> list[Row]:
    """Every rate, newest date first, marked as in force today, past or future."""
    today = clock.today()
    current = in_force(today)
    rows = []
    for rate in db.session.scalars(select(RmvRate).order_by(RmvRate.effective_from.desc())):
        if rate.effective_from > today:
            status = "programada"
        elif current is not None and rate.id == current.id:
            status = "vigente"
        else:
            status = "anterior"
        rows.append(Row(rate, status))
    return rows


def future(rate_id: int) -> RmvRate | None:
    """A rate that is not in force yet (the only kind that may change), or None."""
    rate = db.session.get(RmvRate, rate_id)
    return rate if rate is not None and rate.effective_from > clock.today() else None


def furthest(today: date) -> date:
    """The last date a new rate may take: two years ahead. Further is a typo (2205), not a decree."""
    try:
        return today.replace(year=today.year + 2)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 2, day=28)


def _other_rates(replacing: RmvRate | None):
    query = select(RmvRate)
    return query.where(RmvRate.id != replacing.id) if replacing is not None else query


def problems(data: RateData, replacing: RmvRate | None = None) -> dict[str, list[str]]:
    """Everything wrong with a new (or corrected) rate, by form field, in Spanish."""
    found: dict[str, list[str]] = defaultdict(list)
    today = clock.today()
    when, amount = data.effective_from, data.amount
    if when is None:
        found["effective_from"].append("Escribe la fecha desde la que rige la nueva RMV.")
    elif when <= today:
        found["effective_from"].append(
            f"Elige una fecha desde mañana ({day(today + timedelta(days=1))}). Una RMV ya vigente no se cambia: "
            f"las ofertas ya se revisaron con ella. Si el decreto ya rige, regístralo con la fecha más próxima."
        )
    elif when > furthest(today):
        found["effective_from"].append(
            f"Elige una fecha de los próximos dos años (hasta el {day(furthest(today))}). Revisa el año."
        )
    elif db.session.scalar(_other_rates(replacing).where(RmvRate.effective_from == when)) is not None:
        found["effective_from"].append(
            f"Ya hay una RMV desde el {day(when)}. Corrígela en la tabla en lugar de registrar otra."
        )
    if amount is None:
        found["amount"].append("Escribe el monto mensual en soles, por ejemplo 1130 o 1130.50.")
    elif amount <= 0:
        found["amount"].append("El monto debe ser mayor que cero.")
    elif amount.as_tuple().exponent < -2:
        found["amount"].append("Escribe el monto con dos decimales como máximo, por ejemplo 1130.50.")
    elif amount >= AMOUNT_MAX:
        found["amount"].append(f"Escribe un monto menor de {money(AMOUNT_MAX)}.")
    elif when is not None and "effective_from" not in found:
        before = db.session.scalar(
            _other_rates(replacing).where(RmvRate.effective_from < when)
            .order_by(RmvRate.effective_from.desc()).limit(1)
        )
        if before is not None and amount < before.amount:
            found["amount"].append(
                f"La RMV no baja: antes de esa fecha rige {money(before.amount)} "
                f"(desde el {day(before.effective_from)}). Revisa el monto."
            )
        elif before is not None and amount > before.amount * 2:
            found["amount"].append(
                f"Revisa el monto: es más del doble de la RMV anterior ({money(before.amount)})."
            )
    if len(data.legal_basis or "") > BASIS_MAX:
        found["legal_basis"].append(f"Máximo {BASIS_MAX} caracteres.")
    return {name: messages for name, messages in found.items() if messages}


def below(data: RateData, replacing: RmvRate | None = None) -> list[Below]:
    """The published openings that would fall below the legal minimum from `data`'s date.

    An opening falls under the new rate when the rule would read it there: it starts on or
    after that date (and before the next rate, if a later one is already set), or it has no
    start date (read on today's date, which reaches the new rate on its day). Its pay is
    then held to legal.check exactly as the form and publishing hold it."""
    when, amount = data.effective_from, data.amount
    following = db.session.scalar(
        _other_rates(replacing).with_only_columns(RmvRate.effective_from)
        .where(RmvRate.effective_from > when).order_by(RmvRate.effective_from).limit(1)
    )
    starts = Opening.start_date >= when
    if following is not None:
        starts &= Opening.start_date < following
    rows = db.session.execute(
        select(Opening.id, Opening.title, Opening.kind, Opening.company_id, Company.display_name,
               Opening.hours_per_day, Opening.hours_per_week, Opening.pay_monthly, Opening.start_date)
        .join(Company, Company.id == Opening.company_id)
        .where(Opening.state == "published",
               or_(Opening.start_date.is_(None), starts),
               # The minimum is at most one RMV, so only a pay under it (or none) can break it.
               or_(Opening.pay_monthly.is_(None), Opening.pay_monthly < amount))
        .order_by(Company.display_name, Opening.title, Opening.id)
    ).all()
    found = []
    for row in rows:
        broken = legal.check(row.kind, row.hours_per_day, row.hours_per_week, row.pay_monthly, amount, when)
        if any(problem.field == "pay_monthly" for problem in broken):
            found.append(Below(row.id, row.title, row.kind, row.company_id, row.display_name, row.pay_monthly,
                               legal.minimum_pay(row.kind, row.hours_per_week, amount), row.start_date))
    return found


def _clean(data: RateData) -> RateData:
    """Spaces folded; soles with their two decimals (1200 → 1200.00) when that loses nothing."""
    amount = data.amount
    if amount is not None and amount.is_finite() and amount.as_tuple().exponent >= -2:
        amount = amount.quantize(Decimal("0.01"))
    return RateData(data.effective_from, amount, " ".join((data.legal_basis or "").split()))


def _refuse_if_broken(data: RateData, replacing: RmvRate | None = None) -> None:
    if found := problems(data, replacing):
        raise RmvError("Revisa los datos marcados.", found)


def _commit(field: str, when: date) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Another admin registered the same date a moment ago (uq_rmv_rates_effective_from).
        db.session.rollback()
        raise RmvError("Revisa los datos marcados.", {
            field: [f"Ya hay una RMV desde el {day(when)}. Corrígela en la tabla en lugar de registrar otra."]
        }) from None


def add(data: RateData, actor: User) -> tuple[RmvRate, int]:
    """Register a future rate and tell the employers it leaves below the minimum.

    Returns the rate and how many companies were told."""
    data = _clean(data)
    _refuse_if_broken(data)
    affected = below(data)
    rate = RmvRate(effective_from=data.effective_from, amount=data.amount, legal_basis=data.legal_basis)
    db.session.add(rate)
    db.session.flush()
    told = _tell(affected, _raised_text(rate))
    audit("rmv.added", rate, actor, effective_from=rate.effective_from.isoformat(), amount=str(rate.amount),
          legal_basis=rate.legal_basis, openings_below=len(affected), companies_told=told)
    _commit("effective_from", rate.effective_from)
    return rate, told


def _locked_future(rate: RmvRate) -> RmvRate:
    """The rate re-read under a row lock, refused if it came into force meanwhile."""
    locked = db.session.scalar(select(RmvRate).where(RmvRate.id == rate.id).with_for_update())
    if locked is None:
        raise RmvError("Esa RMV ya no está en la tabla: otra persona la retiró.")
    if locked.effective_from <= clock.today():
        raise RmvError(f"La RMV desde el {day(locked.effective_from)} ya está vigente: no se cambia. "
                       f"Si cambió la ley, registra una nueva RMV con su fecha.")
    return locked


def correct(rate: RmvRate, data: RateData, actor: User) -> tuple[RmvRate, int]:
    """Correct a rate that is not in force yet; employers below the corrected rate are told again."""
    rate = _locked_future(rate)
    data = _clean(data)
    _refuse_if_broken(data, replacing=rate)
    before = {"effective_from": rate.effective_from.isoformat(), "amount": str(rate.amount),
              "legal_basis": rate.legal_basis}
    affected = below(data, replacing=rate)
    rate.effective_from, rate.amount, rate.legal_basis = data.effective_from, data.amount, data.legal_basis
    db.session.flush()
    told = _tell(affected, _raised_text(rate, corrected=True))
    audit("rmv.corrected", rate, actor, before=before,
          after={"effective_from": rate.effective_from.isoformat(), "amount": str(rate.amount),
                 "legal_basis": rate.legal_basis},
          openings_below=len(affected), companies_told=told)
    _commit("effective_from", rate.effective_from)
    return rate, told


def withdraw(rate: RmvRate, actor: User) -> tuple[RateData, int]:
    """Remove a rate that is not in force yet; the employers it would have affected are told.

    Returns what the rate was and how many companies were told."""
    rate = _locked_future(rate)
    was = RateData(rate.effective_from, rate.amount, rate.legal_basis)
    affected = below(was, replacing=rate)
    audit("rmv.withdrawn", rate, actor, effective_from=rate.effective_from.isoformat(), amount=str(rate.amount),
          legal_basis=rate.legal_basis)
    db.session.delete(rate)
    db.session.flush()
    told = _tell(affected, _withdrawn_text(was))
    db.session.commit()
    return was, told


# --- telling employers -------------------------------------------------------------------

def _raised_text(rate: RmvRate, corrected: bool = False):
    basis = f" ({rate.legal_basis})" if rate.legal_basis else ""
    news = ("Se corrigió la RMV programada" if corrected else "Cambia la Remuneración Mínima Vital")

    def text(openings: list[Below]) -> tuple[str, str, str]:
        count = len(openings)
        which = (f"tu oferta «{openings[0].title}» queda" if count == 1
                 else f"{count} de tus ofertas publicadas quedan")
        message = (f"{news}: desde el {day(rate.effective_from)} será {money(rate.amount)}{basis}, y {which} "
                   f"por debajo del pago mínimo legal. Sube el pago antes de esa fecha.")
        subject = f"Desde el {day(rate.effective_from)} la RMV será {money(rate.amount)}: revisa tus ofertas"
        lines = "\n".join(
            f"- «{o.title}» ({o.kind_label}): pagas {money(o.pay) if o.pay is not None else 'nada'}; "
            f"el mínimo será {money(o.minimum)}. Edítala en {links.external('employers.edit', opening_id=o.opening_id)}"
            for o in openings[:SHOWN]
        )
        more = f"\n… y {count - SHOWN} más, en tu panel." if count > SHOWN else ""
        body = (f"{news}: desde el {day(rate.effective_from)} la RMV será {money(rate.amount)}{basis}. "
                f"El pago mensual de una oferta (la subvención de una modalidad formativa, Ley 28518, o el sueldo "
                f"de un empleo) no puede ser menor que la RMV en la jornada máxima, y se calcula en proporción "
                f"para menos horas.\n\nCon la nueva RMV, estas ofertas publicadas quedan por debajo del mínimo:\n"
                f"{lines}{more}\n\nSube el pago antes del {day(rate.effective_from)}: desde ese día una oferta "
                f"por debajo del mínimo no se puede guardar ni publicar.")
        return message, subject, body

    return text


def _withdrawn_text(was: RateData):
    def text(openings: list[Below]) -> tuple[str, str, str]:
        current = in_force()
        still = f"sigue rigiendo {money(current.amount)}" if current is not None else "sigue rigiendo la RMV vigente"
        message = (f"Se retiró la RMV de {money(was.amount)} que iba a regir desde el {day(was.effective_from)}: "
                   f"{still}. Tus ofertas no necesitan cambios por ella.")
        subject = f"Se retiró la RMV programada para el {day(was.effective_from)}"
        body = (f"Te avisamos que desde el {day(was.effective_from)} la RMV sería {money(was.amount)}. Ese cambio se "
                f"retiró de la tabla: {still}, y tus ofertas no necesitan cambios por él.")
        return message, subject, body

    return text


def _tell(openings: list[Below], text) -> int:
    """Notify and email every active member of each company with openings in `openings`.
    Returns how many companies were told."""
    by_company: dict[int, list[Below]] = defaultdict(list)
    for opening in openings:
        by_company[opening.company_id].append(opening)
    if not by_company:
        return 0
    members = db.session.execute(
        select(CompanyMember.company_id, User.id)
        .join(User, User.id == CompanyMember.user_id)
        .where(CompanyMember.company_id.in_(list(by_company)), CompanyMember.state == "active",
               User.active.is_(True))
        .order_by(CompanyMember.company_id, User.id)
    ).all()
    told = set()
    for company_id, user_id in members:
        theirs = by_company[company_id]
        message, subject, body = text(theirs)
        url = (links.path("employers.edit", opening_id=theirs[0].opening_id) if len(theirs) == 1
               else links.path("employers.dashboard"))
        notify(user_id, "rmv-changed", message, url, email=(subject, body))
        told.add(company_id)
    return len(told)
