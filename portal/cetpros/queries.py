"""Reads about CETPROs and their coordinators (admins see every CETPRO)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, or_, select

from portal import places
from portal.extensions import db
from portal.models import Cetpro, CoordinatorInvitation, Family, Programme, User
from portal.paging import Choice, Page, PageNumber, QueryFilters, Text
from portal.reference import live

PER_PAGE = 20

STATE_LABELS = {"activos": "Activos", "inactivos": "Desactivados", "todos": "Todos"}


class ListFilters(QueryFilters):
    """The CETPRO list's query string: search text, state, department, page."""

    q = Text(100)
    estado = Choice(STATE_LABELS, "activos", title="Estado")
    pagina = PageNumber()


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(filters: ListFilters) -> Page[Cetpro]:
    """One page of CETPROs by name; digits search the código modular; a place name or a
    UGEL finds the CETPROs there (the region a person types, e.g. «Arequipa»)."""
    query = select(Cetpro)
    if filters.estado == "activos":
        query = query.where(Cetpro.active.is_(True))
    elif filters.estado == "inactivos":
        query = query.where(Cetpro.active.is_(False))
    q = filters.q.strip()
    if q:
        if q.replace(" ", "").isdigit():
            query = query.where(Cetpro.codigo_modular.startswith(q.replace(" ", "")))
        else:
            pattern = _like(q)
            codes = places_matching(q)
            query = query.where(or_(
                func.lower(Cetpro.name).like(pattern, escape="\\"),
                func.lower(Cetpro.ugel).like(pattern, escape="\\"),
                Cetpro.department_code.in_([c for c in codes if len(c) == 2]),
                Cetpro.province_code.in_([c for c in codes if len(c) == 4]),
            ))
    total = db.session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
    items = list(db.session.scalars(
        query.order_by(Cetpro.name, Cetpro.id).limit(PER_PAGE).offset((filters.pagina - 1) * PER_PAGE)
    ))
    return Page(items=items, total=total, page=filters.pagina, per_page=PER_PAGE,
                extra={"coordinators": coordinator_counts([c.id for c in items])})


def places_matching(text: str) -> list[str]:
    """Department and province codes whose name contains `text` (accents as typed)."""
    needle = text.strip().lower()
    if len(needle) < 3:
        return []
    found = [code for code, name in places.departments() if needle in name.lower()]
    for department, _ in places.departments():
        found += [code for code, name in places.provinces(department) if needle in name.lower()]
    return found


def coordinator_counts(cetpro_ids: list[int]) -> dict[int, int]:
    if not cetpro_ids:
        return {}
    return dict(db.session.execute(
        select(User.cetpro_id, func.count()).where(User.role == "coordinator", User.active.is_(True),
                                                   User.cetpro_id.in_(cetpro_ids))
        .group_by(User.cetpro_id)
    ).all())


def cetpro(cetpro_id: int) -> Select:
    return select(Cetpro).where(Cetpro.id == cetpro_id)


def by_codigo(codigo_modular: str) -> Cetpro | None:
    return db.session.scalar(select(Cetpro).where(Cetpro.codigo_modular == codigo_modular))


def coordinators(cetpro_row: Cetpro) -> list[User]:
    """Every coordinator account of the CETPRO, active ones first."""
    return list(db.session.scalars(
        select(User).where(User.role == "coordinator", User.cetpro_id == cetpro_row.id)
        .order_by(User.active.desc(), User.first_names, User.id)
    ))


def coordinator_of(cetpro_row: Cetpro, user_id: int) -> Select:
    return select(User).where(User.id == user_id, User.role == "coordinator", User.cetpro_id == cetpro_row.id)


def pending_invitations(cetpro_row: Cetpro) -> list[CoordinatorInvitation]:
    """Invitations still waiting (expired ones included: the admin can send them again)."""
    return list(db.session.scalars(
        select(CoordinatorInvitation)
        .where(CoordinatorInvitation.cetpro_id == cetpro_row.id, CoordinatorInvitation.state == "pending")
        .order_by(CoordinatorInvitation.sent_at.desc(), CoordinatorInvitation.id.desc())
    ))


def invitation_of(cetpro_row: Cetpro, invitation_id: int) -> Select:
    return select(CoordinatorInvitation).where(CoordinatorInvitation.id == invitation_id,
                                               CoordinatorInvitation.cetpro_id == cetpro_row.id)


def pending_invitation_for(cetpro_row: Cetpro, email: str) -> CoordinatorInvitation | None:
    return db.session.scalar(
        select(CoordinatorInvitation).where(CoordinatorInvitation.cetpro_id == cetpro_row.id,
                                            CoordinatorInvitation.email == email,
                                            CoordinatorInvitation.state == "pending")
    )


def programme_choices(keep: Iterable[int] = ()) -> list[tuple[int, str, str]]:
    """(id, programme, family) of the catalogue, by family then name: without retired
    programmes, but for those the CETPRO already teaches (`keep`)."""
    return [tuple(row) for row in db.session.execute(
        select(Programme.id, Programme.name, Family.name).join(Family).where(live.programmes(keep))
        .order_by(Family.position, Family.name, Programme.name)
    )]


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))
