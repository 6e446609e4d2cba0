"""Reads for placements and follow-ups, always scoped to the coordinator's CETPRO in the query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock, vocab
from portal.access import students_of
from portal.extensions import db
from portal.models import Cetpro, FollowUp, Placement, Programme, StudentProfile, User
from portal.paging import Choice, Flag, Number, Page, PageNumber, QueryFilters, last_page
from portal.placements import rules

PER_PAGE = 20
# `origen` in the URL (Spanish, shareable) → stored source.
SOURCE_FILTERS = {"portal": "portal", "manual": "manual"}


def placements_visible_to(user: User) -> Select:
    """Placements this user may see: an admin all, a coordinator its CETPRO's, nobody else any."""
    query = select(Placement)
    if user.role == "admin":
        return query
    if user.role == "coordinator" and user.cetpro_id:
        return query.where(Placement.cetpro_id == user.cetpro_id)
    return query.where(False)



class Filters(QueryFilters):
    """The list's filters, from and back to query parameters; bad values are ignored."""

    anio = Number(1990, 2100, title="Año")
    programa = Number(title="Programa")
    tipo = Choice(vocab.OPENING_KINDS, "", title="Tipo")
    origen = Choice(vocab.PLACEMENT_SOURCES, "", title="Origen")
    vencidos = Flag(title="Seguimientos vencidos")
    pagina = PageNumber()


@dataclass
class Row:
    placement: Placement
    slots: list[rules.Slot]
    agreement: rules.AgreementCheck | None


def overdue_clause(on: date):
    """A follow-up due and unanswered for more than OVERDUE_AFTER_DAYS days."""
    return FollowUp.answer.is_(None) & (FollowUp.due_date < on - timedelta(days=rules.OVERDUE_AFTER_DAYS))


def row_of(placement: Placement, on: date) -> Row:
    agreement = None
    if placement.kind in vocab.FORMATIVE_KINDS:
        agreement = rules.agreement_check(placement.kind, placement.agreement_signed_on,
                                          placement.agreement_registered_on, on)
    return Row(placement, rules.slots(placement.start_date, placement.follow_ups, on), agreement)


def _filtered(cetpro_id: int, filters: Filters, on: date) -> Select:
    query = select(Placement).where(Placement.cetpro_id == cetpro_id)
    if filters.anio:
        query = query.where(Placement.start_date >= date(filters.anio, 1, 1),
                            Placement.start_date <= date(filters.anio, 12, 31))
    if filters.programa:
        in_programme = select(StudentProfile.id).where(StudentProfile.cetpro_id == cetpro_id,
                                                       StudentProfile.programme_id == filters.programa)
        query = query.where(Placement.student_id.in_(in_programme))
    if filters.tipo:
        query = query.where(Placement.kind == filters.tipo)
    if filters.origen:
        query = query.where(Placement.source == SOURCE_FILTERS[filters.origen])
    if filters.vencidos:
        query = query.where(exists().where(FollowUp.placement_id == Placement.id, overdue_clause(on)))
    return query


def page(cetpro: Cetpro, filters: Filters, on: date | None = None) -> Page[Row]:
    """One page of the CETPRO's placements (newest start first), with their follow-ups."""
    on = on or clock.today()
    query = _filtered(cetpro.id, filters, on)
    total = db.session.scalar(query.with_only_columns(func.count(Placement.id))) or 0
    current = min(filters.pagina, last_page(total, PER_PAGE))
    placements = db.session.scalars(
        query.options(
            selectinload(Placement.follow_ups),
            joinedload(Placement.company),
            joinedload(Placement.student).joinedload(StudentProfile.user),
            joinedload(Placement.student).joinedload(StudentProfile.programme),
        )
        .order_by(Placement.start_date.desc(), Placement.id.desc())
        .limit(PER_PAGE)
        .offset((current - 1) * PER_PAGE)
    ).unique().all()
    return Page(items=[row_of(p, on) for p in placements], total=total, page=current, per_page=PER_PAGE,
                extra={"overdue": overdue_count(cetpro.id, on), "options": filter_options(cetpro.id, on)})


def overdue_count(cetpro_id: int, on: date) -> int:
    return db.session.scalar(
        select(func.count(FollowUp.id))
        .join(Placement, Placement.id == FollowUp.placement_id)
        .where(Placement.cetpro_id == cetpro_id, overdue_clause(on))
    ) or 0


def filter_options(cetpro_id: int, on: date) -> dict:
    first = db.session.scalar(select(func.min(Placement.start_date)).where(Placement.cetpro_id == cetpro_id))
    years = list(range(on.year, (first.year if first else on.year) - 1, -1))
    programmes = db.session.execute(
        select(Programme.id, Programme.name)
        .where(Programme.id.in_(select(StudentProfile.programme_id).where(StudentProfile.cetpro_id == cetpro_id)))
        .order_by(Programme.name)
    ).all()
    return {"years": years, "programmes": programmes}


def placement_for(user: User, placement_id: int) -> Placement | None:
    return db.session.scalar(
        placements_visible_to(user).where(Placement.id == placement_id)
        .options(selectinload(Placement.follow_ups), joinedload(Placement.student).joinedload(StudentProfile.user))
    )


STUDENT_CHOICES_LIMIT = 500


def student_choices(cetpro_id: int, q: str = "") -> list[tuple[int, str]]:
    """The CETPRO's students for the "who" select, by surname; `q` narrows by name or document."""
    query = (
        select(StudentProfile.id, User.first_names, User.last_names, StudentProfile.document_number,
               StudentProfile.status, Programme.name)
        .join(User, User.id == StudentProfile.user_id)
        .join(Programme, Programme.id == StudentProfile.programme_id)
        .where(students_of(cetpro_id), User.deleted_at.is_(None))  # an erased account gets no new placement
    )
    q = " ".join((q or "").split())[:80]
    if q:
        if q.isdigit():
            query = query.where(StudentProfile.document_number.startswith(q))
        else:
            for word in q.lower().split()[:4]:
                pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                query = query.where(or_(func.lower(User.first_names).like(pattern, escape="\\"),
                                        func.lower(User.last_names).like(pattern, escape="\\")))
    rows = db.session.execute(
        query.order_by(User.last_names, User.first_names, StudentProfile.id).limit(STUDENT_CHOICES_LIMIT)
    ).all()
    return [(sid, f"{last}, {first} · {doc} · {programme} · {vocab.STUDENT_STATUSES.get(status, status)}")
            for sid, first, last, doc, status, programme in rows]


def follow_up_of(placement: Placement, months: int) -> FollowUp | None:
    return db.session.scalar(
        select(FollowUp).where(FollowUp.placement_id == placement.id, FollowUp.months == months)
    )
