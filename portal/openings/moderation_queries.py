"""Reading reports on openings ("Reportar esta oferta"), for the people told about them.

Who may read a report is who was told (portal.openings.moderation): every admin, and the
coordinators of the CETPROs the opening is meant for — the chosen ones, or, when it targets
all CETPROs, those of the opening's department. Who reported is personal data: admins see
the name and email; a coordinator sees only whether the person had an account, and of
which kind.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from portal import vocab
from portal.extensions import db
from portal.models import Cetpro, Company, Opening, OpeningReport, User, opening_cetpros
from portal.paging import Choice, Page, PageNumber, QueryFilters, last_page

PER_PAGE = 20

Reporter = aliased(User)


@dataclass
class ReportRow:
    """One report with what a moderator needs beside it."""

    report: OpeningReport
    opening: Opening
    company: Company
    reporter_role: str | None  # None: reported without an account
    reporter: User | None = None  # only for admins
    # The opening's reports, newest first (this one included), for the queue.
    history: list[OpeningReport] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.report.id

    @property
    def created_at(self) -> datetime:
        return self.report.created_at


def _scope(user: User) -> Select:
    """The reports this person may read, with their opening, company and reporter."""
    query = (
        select(OpeningReport, Opening, Company, Reporter)
        .join(Opening, Opening.id == OpeningReport.opening_id)
        .join(Company, Company.id == Opening.company_id)
        .outerjoin(Reporter, Reporter.id == OpeningReport.reporter_id)
    )
    if user.role == "admin":
        return query
    if user.role != "coordinator" or user.cetpro_id is None:
        return query.where(false())
    chosen = exists().where(opening_cetpros.c.opening_id == Opening.id,
                            opening_cetpros.c.cetpro_id == user.cetpro_id)
    department = select(Cetpro.department_code).where(Cetpro.id == user.cetpro_id).scalar_subquery()
    return query.where(or_(
        and_(Opening.targets_all_cetpros.is_(False), chosen),
        and_(Opening.targets_all_cetpros.is_(True), Opening.department_code == department),
    ))


def _row(user: User, report: OpeningReport, opening: Opening, company: Company, reporter: User | None) -> ReportRow:
    return ReportRow(report=report, opening=opening, company=company,
                     reporter_role=reporter.role if reporter else None,
                     reporter=reporter if user.role == "admin" else None)


def open_reports(user: User, page: int = 1) -> Page[ReportRow]:
    """Reports nobody has settled yet, newest first, one page at a time."""
    scope = _scope(user).where(OpeningReport.resolved_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(scope.subquery())) or 0
    page = max(1, min(page, last_page(total, PER_PAGE)))
    rows = db.session.execute(
        scope.order_by(OpeningReport.created_at.desc(), OpeningReport.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return Page(items=[_row(user, *r) for r in rows], total=total, page=page, per_page=PER_PAGE)


STATE_FILTERS = {**vocab.REPORT_STATES, "todas": "Todas"}


class QueueFilters(QueryFilters):
    """The queue's query string (/admin/denuncias?estado=dismissed&motivo=fake): by default
    the open reports of every reason; anything unknown is ignored."""

    estado = Choice(STATE_FILTERS, "open", title="Estado")
    motivo = Choice(vocab.REPORT_REASONS, "", title="Motivo")
    pagina = PageNumber()


HISTORY = 10  # reports of the same opening shown beside each one


def queue(user: User, filters: QueueFilters) -> Page[ReportRow]:
    """One page of the reports this person may read, newest first, by state and reason;
    each row carries its opening's latest reports."""
    scope = _scope(user)
    if filters.estado == "open":
        scope = scope.where(OpeningReport.resolved_at.is_(None))
    elif filters.estado in vocab.REPORT_OUTCOMES:
        scope = scope.where(OpeningReport.outcome == filters.estado)
    if filters.motivo:
        scope = scope.where(OpeningReport.reason == filters.motivo)
    total = db.session.scalar(select(func.count()).select_from(scope.subquery())) or 0
    page = max(1, min(filters.page, last_page(total, PER_PAGE)))
    rows = [_row(user, *r) for r in db.session.execute(
        scope.order_by(OpeningReport.created_at.desc(), OpeningReport.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()]
    _with_history(rows)
    return Page(items=rows, total=total, page=page, per_page=PER_PAGE)


def _with_history(rows: list[ReportRow]) -> None:
    opening_ids = {row.opening.id for row in rows}
    if not opening_ids:
        return
    ranked = (
        select(OpeningReport.id, func.row_number().over(
            partition_by=OpeningReport.opening_id,
            order_by=(OpeningReport.created_at.desc(), OpeningReport.id.desc())).label("n"))
        .where(OpeningReport.opening_id.in_(opening_ids))
        .subquery()
    )
    history: dict[int, list[OpeningReport]] = {}
    for report in db.session.scalars(
        select(OpeningReport).join(ranked, ranked.c.id == OpeningReport.id).where(ranked.c.n <= HISTORY)
        .order_by(OpeningReport.created_at.desc(), OpeningReport.id.desc())
    ):
        history.setdefault(report.opening_id, []).append(report)
    for row in rows:
        row.history = history.get(row.opening.id, [])


def report_for(user: User, report_id: int) -> ReportRow | None:
    """One report, open or settled, if this person may read it; None otherwise."""
    row = db.session.execute(_scope(user).where(OpeningReport.id == report_id)).first()
    if not row:
        return None
    found = _row(user, *row)
    _with_history([found])
    return found

