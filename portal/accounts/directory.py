"""Every account of the platform, for admins (/admin/usuarios): search by name, email, DNI
or RUC (a company's RUC finds its members), and one account with what an admin needs to
know about it. Reads only; the admin's writes are in portal/accounts/administration.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from portal import vocab
from portal.extensions import db
from portal.models import Cetpro, Company, CompanyMember, StudentProfile, User
from portal.paging import Choice, Page, PageNumber, QueryFilters, Text

PER_PAGE = 20

# An account's state as admins read it; `estado` in the URL takes the same words.
STATES = {"activa": "Activa", "desactivada": "Desactivada", "sin-confirmar": "Sin confirmar",
          "eliminada": "Eliminada"}
STATE_FILTERS = {"": "Todos los estados", **STATES}
# `rol` in the URL (Spanish, shareable) → stored role.
ROLE_FILTERS = {"estudiante": "student", "empresa": "employer", "coordinacion": "coordinator", "admin": "admin"}
ROLE_FILTER_LABELS = {"": "Todos los roles", **{key: vocab.ROLES[role] for key, role in ROLE_FILTERS.items()}}


class UserFilters(QueryFilters):
    """The query string of /admin/usuarios; what does not fit is ignored."""

    q = Text(100)
    rol = Choice({key: label for key, label in ROLE_FILTER_LABELS.items() if key}, "", title="Rol")
    estado = Choice(STATES, "", title="Estado")
    pagina = PageNumber()


def state_of(active: bool, email_confirmed_at: datetime | None, deleted_at: datetime | None = None) -> str:
    """"eliminada" (erased at the person's request: a tombstone, for good) wins, then
    "desactivada": a deactivated account cannot sign in whether or not it was confirmed."""
    if deleted_at is not None:
        return "eliminada"
    if not active:
        return "desactivada"
    return "activa" if email_confirmed_at is not None else "sin-confirmar"


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    email: str
    role: str
    state: str
    last_login_at: datetime | None
    created_at: datetime
    cetpro: str | None  # a coordinator's or a student's CETPRO
    company: str | None  # an employer's company (also while the membership waits)
    ruc: str | None
    membership: str | None  # the employer's membership state
    document: str | None  # a student's DNI or carné de extranjería

    @property
    def role_label(self) -> str:
        return vocab.ROLES.get(self.role, self.role)

    @property
    def state_label(self) -> str:
        return STATES[self.state]


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _rows() -> Select:
    """Each account with its CETPRO or company: a user has at most one profile and one
    membership, so the outer joins never repeat a user."""
    return (
        select(User.id, User.first_names, User.last_names, User.email, User.role, User.active,
               User.deleted_at, User.email_confirmed_at, User.last_login_at, User.created_at,
               Cetpro.name.label("cetpro"), Company.legal_name, Company.trade_name, Company.ruc,
               CompanyMember.state.label("membership"), StudentProfile.document_type,
               StudentProfile.document_number)
        .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
        .outerjoin(Cetpro, Cetpro.id == func.coalesce(User.cetpro_id, StudentProfile.cetpro_id))
        .outerjoin(CompanyMember, CompanyMember.user_id == User.id)
        .outerjoin(Company, Company.id == CompanyMember.company_id)
    )


def _search(query: Select, q: str) -> Select:
    """Digits look for a DNI or a RUC (from the start); an email or words look in the
    email, the names and the company's name, every word somewhere."""
    if not q:
        return query
    compact = q.replace(" ", "")
    if compact.isdigit():
        return query.where(or_(StudentProfile.document_number.startswith(compact), Company.ruc.startswith(compact)))
    if "@" in q:
        return query.where(func.lower(User.email).like(_like(compact), escape="\\"))
    for word in q.split():
        pattern = _like(word)
        query = query.where(or_(
            func.lower(User.first_names).like(pattern, escape="\\"),
            func.lower(User.last_names).like(pattern, escape="\\"),
            func.lower(User.email).like(pattern, escape="\\"),
            func.lower(Company.legal_name).like(pattern, escape="\\"),
            func.lower(Company.trade_name).like(pattern, escape="\\"),
            # a carné de extranjería has letters: typed as a word, found as one
            func.upper(StudentProfile.document_number) == word.upper(),
        ))
    return query


def _with_state(query: Select, state: str) -> Select:
    if state == "eliminada":
        return query.where(User.deleted_at.is_not(None))
    if state == "desactivada":
        return query.where(User.active.is_(False), User.deleted_at.is_(None))
    if state == "activa":
        return query.where(User.active.is_(True), User.email_confirmed_at.is_not(None))
    if state == "sin-confirmar":
        return query.where(User.active.is_(True), User.email_confirmed_at.is_(None))
    return query


def _row(row) -> UserRow:
    return UserRow(
        id=row.id, name=f"{row.first_names} {row.last_names}".strip(), email=row.email, role=row.role,
        state=state_of(row.active, row.email_confirmed_at, row.deleted_at), last_login_at=row.last_login_at,
        created_at=row.created_at, cetpro=row.cetpro, company=row.trade_name or row.legal_name, ruc=row.ruc,
        membership=row.membership,
        document=(f"{vocab.DOCUMENT_TYPES.get(row.document_type, row.document_type)} {row.document_number}"
                  if row.document_number else None),
    )


def search(filters: UserFilters) -> Page[UserRow]:
    """One page of the accounts that match, by surname and name."""
    query = _with_state(_search(_rows(), filters.q), filters.estado)
    if filters.rol:
        query = query.where(User.role == ROLE_FILTERS[filters.rol])
    total = db.session.scalar(query.with_only_columns(func.count(User.id)).order_by(None)) or 0
    rows = db.session.execute(
        query.order_by(User.last_names, User.first_names, User.id)
        .limit(PER_PAGE).offset((filters.pagina - 1) * PER_PAGE)
    )
    return Page(items=[_row(row) for row in rows], total=total, page=filters.pagina, per_page=PER_PAGE)


def account(user_id: int) -> UserRow | None:
    """One account as the list shows it, or None."""
    row = db.session.execute(_rows().where(User.id == user_id)).first()
    return _row(row) if row else None
