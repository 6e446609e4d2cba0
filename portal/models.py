"""The domain model (DESIGN.md §2–3): typed SQLAlchemy 2 models with real constraints.

Places are stored as INEI ubigeo codes (2 digits department, 4 province, 6
district) and named through `portal.places`. Money is Numeric(10, 2) in soles.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal import vocab
from portal.clock import utcnow  # the column defaults; services import it from portal.clock
from portal.extensions import db


def one_of(column: str, values, name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps `column` within the codes of a vocab mapping."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or f"{column}_valid")


def nullable_one_of(column: str, values) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IS NULL OR {column} IN ({allowed})", name=f"{column}_valid")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


# --- Reference data -----------------------------------------------------------------


class Family(db.Model):
    """Familia productiva."""

    __tablename__ = "families"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Retired: kept on old records (profiles, openings show it), gone from every choice list.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    programmes: Mapped[list[Programme]] = relationship(
        back_populates="family", order_by="Programme.name"
    )


class Programme(db.Model):
    """Programa de estudios, under one family."""

    __tablename__ = "programmes"
    __table_args__ = (one_of("level", vocab.LEVELS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    level: Mapped[str] = mapped_column(String(20), default="tecnico")
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when an admin merged this programme into another (it is retired then too).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"))

    family: Mapped[Family] = relationship(back_populates="programmes")
    modules: Mapped[list[Module]] = relationship(
        back_populates="programme", order_by="Module.position", foreign_keys="Module.programme_id"
    )


class Module(db.Model):
    """Módulo formativo; approving one grants a certificado modular."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("programme_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))

    programme: Mapped[Programme] = relationship(back_populates="modules", foreign_keys=[programme_id])


class RmvRate(db.Model):
    """Remuneración Mínima Vital in force from a date (editable by admins)."""

    __tablename__ = "rmv_rates"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    legal_basis: Mapped[str] = mapped_column(String(120), default="")


class Cetpro(TimestampMixin, db.Model):
    """Centro de Educación Técnico-Productiva."""

    __tablename__ = "cetpros"
    __table_args__ = (
        one_of("management", vocab.CETPRO_MANAGEMENT),
        CheckConstraint("length(codigo_modular) = 7", name="codigo_modular_length"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    codigo_modular: Mapped[str] = mapped_column(String(7), unique=True)
    department_code: Mapped[str] = mapped_column(String(2), index=True)
    province_code: Mapped[str] = mapped_column(String(4))
    district_code: Mapped[str | None] = mapped_column(String(6))
    management: Mapped[str] = mapped_column(String(10), default="publica")
    # The UGEL or DRE the CETPRO answers to (e.g. "UGEL 03 Breña", "DRE Arequipa").
    ugel: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # Deactivated: gone from every choice list (registration, targeting, filters); its
    # students, openings and history stay, and old records still show its name.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    programmes: Mapped[list[Programme]] = relationship(secondary="cetpro_programmes", order_by="Programme.name")


cetpro_programmes = db.Table(
    "cetpro_programmes",
    db.Column("cetpro_id", ForeignKey("cetpros.id", ondelete="CASCADE"), primary_key=True),
    db.Column("programme_id", ForeignKey("programmes.id"), primary_key=True),
    db.Index("ix_cetpro_programmes_programme", "programme_id", "cetpro_id"),
)


# --- People and companies -----------------------------------------------------------


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", vocab.ROLES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(12))
    first_names: Mapped[str] = mapped_column(String(120))
    last_names: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Coordinators belong to one CETPRO; a student's CETPRO is on the profile.
    cetpro_id: Mapped[int | None] = mapped_column(ForeignKey("cetpros.id"), index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the owner proved the email (the link of a self-registration). Null: nobody can
    # sign in yet, and `accounts purge-unconfirmed` removes the account after 7 days.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Bumped on password change and logout-everywhere; part of the session id.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Ley 29733 (protección de datos personales): the person asked to delete the account at
    # `deletion_requested_at`; the worker erases it at `deletion_due_at` (portal/privacy),
    # until then they may sign in and cancel. `deleted_at`: the row is a tombstone now
    # ("Cuenta eliminada"), kept so placements and reports still count the person.
    deletion_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    deletion_due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    cetpro: Mapped[Cetpro | None] = relationship()
    student: Mapped[StudentProfile | None] = relationship(back_populates="user", uselist=False)
    membership: Mapped[CompanyMember | None] = relationship(back_populates="user", uselist=False)

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_names}".strip()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


class Company(TimestampMixin, db.Model):
    __tablename__ = "companies"
    __table_args__ = (
        one_of("verification_state", vocab.VERIFICATION_STATES),
        CheckConstraint("length(ruc) = 11", name="ruc_length"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ruc: Mapped[str] = mapped_column(String(11), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))  # razón social
    trade_name: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(120))
    department_code: Mapped[str | None] = mapped_column(String(2))
    province_code: Mapped[str | None] = mapped_column(String(4))
    district_code: Mapped[str | None] = mapped_column(String(6))
    address: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    logo_path: Mapped[str | None] = mapped_column(String(255))
    verification_state: Mapped[str] = mapped_column(String(12), default="unverified", index=True)
    verification_note: Mapped[str | None] = mapped_column(String(500))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When a verified company changed its razón social: it went back to the queue, and its
    # published openings say "pendiente de re-verificación" until someone decides again.
    identity_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The platform-wide state is an admin's decision: CETPROs' statements no longer move it.
    # False: it follows the CETPROs' statements (verified while one of them vouches for it).
    decided_by_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Suspended by an admin (portal/openings/moderation_actions.py): its published openings were
    # suspended with it and its members cannot publish until it is reinstated.
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime)
    suspension_reason: Mapped[str | None] = mapped_column(String(500))

    members: Mapped[list[CompanyMember]] = relationship(back_populates="company")
    endorsements: Mapped[list[CompanyEndorsement]] = relationship(
        back_populates="company", order_by="(CompanyEndorsement.decided_at, CompanyEndorsement.id)")

    @property
    def is_verified(self) -> bool:
        return self.verification_state == "verified"

    @property
    def awaits_reverification(self) -> bool:
        return self.verification_state == "unverified" and self.identity_changed_at is not None

    @property
    def verified_by(self) -> str | None:
        """The CETPRO whose statement the badge rests on ("Verificada por CETPRO X"); None when
        an admin verified it for the platform (or it is not verified)."""
        if not self.is_verified or self.decided_by_admin:
            return None
        return next((e.cetpro.name for e in self.endorsements if e.state == "verified"), None)

    @hybrid_property
    def display_name(self) -> str:
        """The one name people read: the nombre comercial ("Elecsur"), or the razón social
        when the company gave none. Every page, notification and email names a company by
        it, and so does a placement (`Placement.employer_display_name`). The razón social
        (`legal_name`) is shown where identity is checked against the RUC: the verification
        queues, the company's own profile, the convenio choice, and exports, which carry
        both. In SQL too (`select(Company.display_name)`), so a query and a page agree."""
        return self.trade_name or self.legal_name

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls):
        return func.coalesce(func.nullif(cls.trade_name, ""), cls.legal_name)


class CompanyEndorsement(TimestampMixin, db.Model):
    """One CETPRO's statement about a company: its coordinator verified or rejected it. A
    statement of that CETPRO, shown as such ("Verificada por CETPRO X"); only an admin's
    decision (Company.decided_by_admin) is the platform's."""

    __tablename__ = "company_endorsements"
    __table_args__ = (
        one_of("state", vocab.ENDORSEMENT_STATES),
        UniqueConstraint("company_id", "cetpro_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"), index=True)
    state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    company: Mapped[Company] = relationship(back_populates="endorsements")
    cetpro: Mapped[Cetpro] = relationship()


class CompanyMember(TimestampMixin, db.Model):
    """A user acting for a company. A user acts for at most one company."""

    __tablename__ = "company_members"
    __table_args__ = (one_of("state", vocab.MEMBERSHIP_STATES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="active")
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)

    company: Mapped[Company] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="membership")


class CompanyInvitation(TimestampMixin, db.Model):
    """An emailed link to join a company. The link carries only this row's id (signed): the
    row says whether it still works, so an owner can revoke it and a used one stops working."""

    __tablename__ = "company_invitations"
    __table_args__ = (one_of("state", vocab.INVITATION_STATES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # the last email: links expire from it
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)  # accepted or revoked
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    company: Mapped[Company] = relationship()
    inviter: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class CoordinatorInvitation(TimestampMixin, db.Model):
    """An emailed link that makes its holder a coordinator of one CETPRO (portal/cetpros).
    The link carries this row's id and its `sends` count (signed): sending it again bumps
    the count, so only the newest link works; accepting or revoking ends every link."""

    __tablename__ = "coordinator_invitations"
    __table_args__ = (
        one_of("state", vocab.INVITATION_STATES),
        # One waiting invitation per email and CETPRO: a double click sends one, not two.
        Index("ix_coordinator_invitations_pending", "cetpro_id", "email", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    sends: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # the last email: links expire from it
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)  # accepted or revoked
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the account it became

    cetpro: Mapped[Cetpro] = relationship()
    inviter: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


student_modules = db.Table(
    "student_modules",
    db.Column("student_id", ForeignKey("student_profiles.id", ondelete="CASCADE"), primary_key=True),
    db.Column("module_id", ForeignKey("modules.id"), primary_key=True),
    db.Index("ix_student_modules_module", "module_id", "student_id"),  # who holds a module (matching)
)


class StudentProfile(db.Model):
    """A CETPRO student or graduate."""

    __tablename__ = "student_profiles"
    __table_args__ = (
        one_of("level", vocab.LEVELS),
        one_of("status", vocab.STUDENT_STATUSES),
        one_of("document_type", vocab.DOCUMENT_TYPES),
        one_of("verification_state", vocab.STUDENT_VERIFICATION_STATES),
        UniqueConstraint("document_type", "document_number"),
        CheckConstraint(
            "status = 'estudiante' OR graduation_date IS NOT NULL", name="graduate_has_date"
        ),
        nullable_one_of("sex", vocab.SEXES),
        Index("ix_student_profiles_cetpro_status", "cetpro_id", "status"),
        # Matching reads its candidates from this index alone (migration 0007).
        Index("ix_student_profiles_matching", "programme_id", "open_to_offers", "status", "graduation_date",
              "verification_state", "cetpro_id", "level", "department_code", "province_code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    level: Mapped[str] = mapped_column(String(20), default="tecnico")
    status: Mapped[str] = mapped_column(String(12), default="estudiante")
    graduation_date: Mapped[date | None] = mapped_column(Date)
    document_type: Mapped[str] = mapped_column(String(3), default="dni")
    document_number: Mapped[str] = mapped_column(String(12))
    birth_date: Mapped[date | None] = mapped_column(Date)
    department_code: Mapped[str | None] = mapped_column(String(2))
    province_code: Mapped[str | None] = mapped_column(String(4))
    district_code: Mapped[str | None] = mapped_column(String(6))
    availability: Mapped[str | None] = mapped_column(String(200))
    # Optional (vocab.SEXES), for the seguimiento de egresados breakdown only: never shown to
    # employers, never read by matching.
    sex: Mapped[str | None] = mapped_column(String(20))
    open_to_offers: Mapped[bool] = mapped_column(Boolean, default=True)
    verification_state: Mapped[str] = mapped_column(String(10), default="pending")
    verification_note: Mapped[str | None] = mapped_column(String(500))
    cv_path: Mapped[str | None] = mapped_column(String(255))
    cv_uploaded_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="student")
    cetpro: Mapped[Cetpro] = relationship()
    programme: Mapped[Programme] = relationship()
    # In the programme's order, as everywhere modules are listed (without it, the order was
    # whatever index the database read student_modules through).
    modules: Mapped[list[Module]] = relationship(secondary=student_modules, order_by=[Module.position, Module.id])
    skills: Mapped[list[StudentSkill]] = relationship(cascade="all, delete-orphan")


class StudentSkill(db.Model):
    """A free skill tag; `normalized` (lower case, no accents, single spaces) is what matches."""

    __tablename__ = "student_skills"
    __table_args__ = (Index("ix_student_skills_normalized", "normalized", "student_id"),)  # who has a skill (matching)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    normalized: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


# --- The CV generated from the profile (portal/profiles/generated_cv.py) ----------------


class CvExperience(db.Model):
    """A job, práctica or self-employment the student adds to her generated CV herself (the
    portal's placements are shown beside them without being copied)."""

    __tablename__ = "cv_experiences"
    __table_args__ = (
        one_of("kind", vocab.CV_EXPERIENCE_KINDS),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profiles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="empleo")
    role: Mapped[str] = mapped_column(String(120))
    employer: Mapped[str] = mapped_column(String(160), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class CvPreferences(db.Model):
    """What the student's generated CV shows of her contact details, and which CV employers
    see when she also uploaded one. No row: email and phone shown, her upload preferred."""

    __tablename__ = "cv_preferences"
    __table_args__ = (one_of("shown", vocab.CV_SHOWN),)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profiles.id", ondelete="CASCADE"),
                                            primary_key=True)
    show_email: Mapped[bool] = mapped_column(Boolean, default=True)
    show_phone: Mapped[bool] = mapped_column(Boolean, default=True)
    shown: Mapped[str] = mapped_column(String(10), default="subido")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# --- Openings and what happens to them ------------------------------------------------


opening_programmes = db.Table(
    "opening_programmes",
    db.Column("opening_id", ForeignKey("openings.id", ondelete="CASCADE"), primary_key=True),
    db.Column("programme_id", ForeignKey("programmes.id"), primary_key=True),
    # The reverse lookup: which openings accept a student's programme (recommendations).
    db.Index("ix_opening_programmes_programme", "programme_id", "opening_id"),
)

opening_cetpros = db.Table(
    "opening_cetpros",
    db.Column("opening_id", ForeignKey("openings.id", ondelete="CASCADE"), primary_key=True),
    db.Column("cetpro_id", ForeignKey("cetpros.id"), primary_key=True),
    # The reverse lookup: which openings target a CETPRO (dashboard, recommendations).
    db.Index("ix_opening_cetpros_cetpro", "cetpro_id", "opening_id"),
)


class Opening(TimestampMixin, db.Model):
    """An oferta: a job or a Ley 28518 formative modality."""

    __tablename__ = "openings"
    __table_args__ = (
        one_of("kind", vocab.OPENING_KINDS),
        one_of("work_mode", vocab.WORK_MODES),
        one_of("state", vocab.OPENING_STATES),
        CheckConstraint("vacancies >= 1", name="vacancies_positive"),
        CheckConstraint("pay_monthly IS NULL OR pay_monthly >= 0", name="pay_not_negative"),
        Index("ix_openings_state_published", "state", "published_at"),
        Index("ix_openings_company_state", "company_id", "state"),
        Index("ix_openings_family_state", "family_id", "state"),
        # Covers the public listing's filters and orderings, so counting and paging
        # 20,000 openings never reads the table rows (measured: 110 ms → 5 ms).
        Index("ix_openings_listing", "state", "deadline", "published_at", "family_id",
              "department_code", "province_code", "kind", "work_mode", "pay_monthly", "company_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"))
    department_code: Mapped[str | None] = mapped_column(String(2))
    province_code: Mapped[str | None] = mapped_column(String(4))
    district_code: Mapped[str | None] = mapped_column(String(6))
    work_mode: Mapped[str] = mapped_column(String(12), default="presencial")
    hours_per_day: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    hours_per_week: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    pay_monthly: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    vacancies: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    targets_all_cetpros: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    state_reason: Mapped[str | None] = mapped_column(String(500))
    # Why a suspended opening is suspended (vocab.SUSPENSION_SOURCES): by staff, automatically
    # after REPORT_SUSPEND_THRESHOLD reports (pending review), or with its company.
    suspension_source: Mapped[str | None] = mapped_column(String(12))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the employer was warned that undecided applicants would be told the deadline
    # passed (openings.expiry.warn_due); cleared when the deadline changes.
    deadline_warned_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: a stale edit form or pipeline change is refused, not merged.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    company: Mapped[Company] = relationship()
    family: Mapped[Family] = relationship()
    programmes: Mapped[list[Programme]] = relationship(secondary=opening_programmes)
    cetpros: Mapped[list[Cetpro]] = relationship(secondary=opening_cetpros)
    requirements: Mapped[list[OpeningRequirement]] = relationship(
        cascade="all, delete-orphan", order_by="OpeningRequirement.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_formative(self) -> bool:
        return self.kind in vocab.FORMATIVE_KINDS


class OpeningRequirement(db.Model):
    """A required or desired module (by identity) or free skill (by normalized name)."""

    __tablename__ = "opening_requirements"
    __table_args__ = (
        CheckConstraint(
            "(module_id IS NOT NULL AND skill IS NULL) OR (module_id IS NULL AND skill IS NOT NULL)",
            name="module_or_skill",
        ),
        UniqueConstraint("opening_id", "module_id", "skill_normalized"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(
        ForeignKey("openings.id", ondelete="CASCADE"), index=True
    )
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    skill: Mapped[str | None] = mapped_column(String(80))
    skill_normalized: Mapped[str | None] = mapped_column(String(80))

    module: Mapped[Module | None] = relationship()

    @property
    def label(self) -> str:
        return self.module.name if self.module else (self.skill or "")


class Application(TimestampMixin, db.Model):
    """A postulación. One per student and opening, enforced by the database."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("opening_id", "student_id"),
        one_of("state", vocab.APPLICATION_STATES),
        nullable_one_of("rejection_reason", vocab.REJECTION_REASONS),
        Index("ix_applications_opening_state", "opening_id", "state"),
        Index("ix_applications_student_created", "student_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profiles.id"))
    state: Mapped[str] = mapped_column(String(12), default="received")
    message: Mapped[str | None] = mapped_column(String(1000))
    rejection_reason: Mapped[str | None] = mapped_column(String(30))
    rejection_note: Mapped[str | None] = mapped_column(String(500))
    employer_notes: Mapped[str | None] = mapped_column(Text)
    viewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    state_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    nudged_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    opening: Mapped[Opening] = relationship()
    student: Mapped[StudentProfile] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Nomination(TimestampMixin, db.Model):
    """A coordinator puts one of its students in front of an employer for an opening."""

    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("opening_id", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profiles.id"), index=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    invited_at: Mapped[datetime | None] = mapped_column(DateTime)

    opening: Mapped[Opening] = relationship()
    student: Mapped[StudentProfile] = relationship()


def _outcome_from_kind(context) -> str:
    """A placement written without an outcome takes its kind's (placements.rules.outcome_of_kind)."""
    kind = context.get_current_parameters().get("kind")
    return "practica" if kind in vocab.FORMATIVE_KINDS else "empleo_dependiente"


class Placement(TimestampMixin, db.Model):
    """A colocación: from a hired application, or recorded by a coordinator."""

    __tablename__ = "placements"
    __table_args__ = (
        one_of("source", vocab.PLACEMENT_SOURCES),
        one_of("kind", vocab.OPENING_KINDS),
        one_of("outcome", vocab.PLACEMENT_OUTCOMES),
        CheckConstraint(
            "source = 'manual' OR application_id IS NOT NULL", name="portal_has_application"
        ),
        Index("ix_placements_cetpro_start", "cetpro_id", "start_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profiles.id"), index=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), unique=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    employer_name: Mapped[str] = mapped_column(String(200))
    employer_ruc: Mapped[str | None] = mapped_column(String(11))
    job_title: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(30))
    # The outcome category as recorded (never rewritten: the inserción report counts a
    # placement by it). Each answered follow-up keeps the category she reported then; the
    # latest one is the current category (current_outcome; reports.outcomes in SQL).
    outcome: Mapped[str] = mapped_column(String(20), default=_outcome_from_kind)
    source: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    pay_min: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    pay_max: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    department_code: Mapped[str | None] = mapped_column(String(2))
    evidence_path: Mapped[str | None] = mapped_column(String(255))
    # Convenio de prácticas checklist (internships): signed, then registered with the MTPE.
    agreement_signed_on: Mapped[date | None] = mapped_column(Date)
    agreement_registered_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    student: Mapped[StudentProfile] = relationship()
    company: Mapped[Company | None] = relationship()
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="placement", order_by="FollowUp.months"
    )

    @property
    def current_outcome(self) -> str:
        """The category as last known: the latest answered follow-up's, else the recorded one."""
        answered = [f for f in self.follow_ups if f.outcome is not None]
        return max(answered, key=lambda f: f.months).outcome if answered else self.outcome

    @property
    def employer_display_name(self) -> str:
        """The employer as people read it: a company on the portal by its display name as it
        is today (not the name copied when the placement was recorded, which may be the
        razón social, or an older name); one recorded by hand as the coordinator typed it."""
        return self.company.display_name if self.company is not None else self.employer_name


# A W3C Bitstring Status List holds 131,072 bits (16 KiB, the spec's minimum for herd privacy);
# list n (from 1) holds the certificates whose status_index // STATUS_LIST_SIZE == n - 1.
STATUS_LIST_SIZE = 131_072


def free_status_index(context) -> int:
    """A random status index no certificate holds, drawn from as many lists as keep them at
    most half full (so a verifier fetching a list learns little about which one it checks).
    Indexes drawn for rows of the same statement (a flush of several rows inserts them in one)
    are avoided too; a race with another process is caught by the unique constraint."""
    connection = context.connection
    table = Certificate.__table__
    if not hasattr(context, "status_indexes_drawn"):
        context.status_indexes_drawn = set()
    drawn = context.status_indexes_drawn
    taken = connection.execute(select(func.count()).select_from(table)).scalar_one() + len(drawn)
    span = STATUS_LIST_SIZE * (1 + taken // (STATUS_LIST_SIZE // 2))
    while True:
        index = secrets.randbelow(span)
        if index in drawn:
            continue
        if connection.execute(select(table.c.id).where(table.c.status_index == index)).first() is None:
            drawn.add(index)
            return index


class Certificate(TimestampMixin, db.Model):
    """A certificado modular a CETPRO registered for one of its students: one module of the
    student's programme, with the CETPRO's registry number and the date issued. Anyone may
    check it at /verificar/<code> (`code`: random, short, unique, not sequential). Revoked
    with a reason, never deleted (portal/certificates)."""

    __tablename__ = "certificates"
    __table_args__ = (
        one_of("state", vocab.CERTIFICATE_STATES),
        UniqueConstraint("cetpro_id", "number"),
        CheckConstraint("state = 'vigente' OR revoked_at IS NOT NULL", name="revoked_has_date"),
        Index("ix_certificates_student_module", "student_id", "module_id"),
        # Who holds a module certified (matching counts a module's holders by module): answered
        # from the index alone, without a read of each certificate's row.
        Index("ix_certificates_module_id", "module_id", "state", "student_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profiles.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"))
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="vigente")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    # Its bit in the published revocation list (portal/certificates/credentials.py): chosen
    # at random among the free ones when the row is inserted, whoever inserts it; never changes.
    status_index: Mapped[int] = mapped_column(Integer, unique=True, default=lambda context: free_status_index(context))

    student: Mapped[StudentProfile] = relationship()
    module: Mapped[Module] = relationship()
    cetpro: Mapped[Cetpro] = relationship()

    @property
    def in_force(self) -> bool:
        return self.state == "vigente"


class FollowUp(TimestampMixin, db.Model):
    """Seguimiento at 3, 6 and 12 months after a placement started."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("placement_id", "months"),
        CheckConstraint("months IN (3, 6, 12)", name="months_valid"),
        nullable_one_of("answer", vocab.FOLLOW_UP_ANSWERS),
        nullable_one_of("outcome", vocab.PLACEMENT_OUTCOMES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    months: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    answer: Mapped[str | None] = mapped_column(String(12))
    current_employer: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(20))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    placement: Mapped[Placement] = relationship(back_populates="follow_ups")


class Convenio(TimestampMixin, db.Model):
    """An agreement between a CETPRO and a company."""

    __tablename__ = "convenios"
    __table_args__ = (
        one_of("kind", vocab.CONVENIO_KINDS),
        one_of("state", vocab.CONVENIO_STATES),
        one_of("proposed_by", vocab.CONVENIO_PARTIES),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        Index("ix_convenios_cetpro_company", "cetpro_id", "company_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="proposed")
    proposed_by: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    places_per_term: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    pdf_path: Mapped[str | None] = mapped_column(String(255))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_warning_sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    cetpro: Mapped[Cetpro] = relationship()
    company: Mapped[Company] = relationship()


class OpeningReport(TimestampMixin, db.Model):
    """"Reportar esta oferta": reaches coordinators and admins."""

    __tablename__ = "opening_reports"
    __table_args__ = (one_of("reason", vocab.REPORT_REASONS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str | None] = mapped_column(String(1000))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(String(500))
    # How it was settled (vocab.REPORT_OUTCOMES): dismissed, or acted on; None while open.
    outcome: Mapped[str | None] = mapped_column(String(12))


# --- Messages and history -------------------------------------------------------------


class Notification(TimestampMixin, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(255))
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class OutboxEmail(TimestampMixin, db.Model):
    """An email written in the same transaction as the change it reports.

    Pending while `sent_at` and `failed_at` are empty; a failed send is tried again at
    `next_attempt_at` (portal.mail.RETRY_AFTER), and after the last retry it is kept with
    `failed_at` and its error for the admins to see, never dropped."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_pending", "sent_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The List-Unsubscribe header's value (RFC 2369/8058), for emails one can stop (job alerts).
    list_unsubscribe: Mapped[str | None] = mapped_column(String(500))
    # Files sent with it: [{"filename", "content_type", "text"}] (an interview's .ics).
    attachments: Mapped[list[dict] | None] = mapped_column(JSON)


class Interview(TimestampMixin, db.Model):
    """An interview an employer member proposes to an applicant (portal/interviews/).

    The student picks one of its 1–3 slots (then `starts_at`/`ends_at` hold it, UTC naive) or
    asks for another time; the employer may reschedule (new slots, `sequence` + 1 so
    calendars replace the event) or cancel with a reason. `attended` is the employer's own
    record of whether she came, never shown to her. `reminded_*_at`: the reminders, each
    written in the same transaction as its emails, so none is ever sent twice."""

    __tablename__ = "interviews"
    __table_args__ = (
        one_of("mode", vocab.INTERVIEW_MODES),
        one_of("state", vocab.INTERVIEW_STATES),
        Index("ix_interviews_state_starts", "state", "starts_at"),
        Index("ix_interviews_member_starts", "proposed_by_id", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mode: Mapped[str] = mapped_column(String(12))
    place: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(12), default="proposed")
    student_message: Mapped[str | None] = mapped_column(String(1000))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    reminded_24h_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_2h_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    application: Mapped[Application] = relationship()
    proposed_by: Mapped[User] = relationship()
    slots: Mapped[list[InterviewSlot]] = relationship(cascade="all, delete-orphan", order_by="InterviewSlot.starts_at")

    @property
    def started(self) -> bool:
        """Its confirmed time has come (the employer may record whether she came)."""
        return self.starts_at is not None and self.starts_at <= utcnow()


class InterviewSlot(db.Model):
    """One proposed time of an interview (UTC naive; shown in Lima time)."""

    __tablename__ = "interview_slots"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="slot_ends_after_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)


class Alert(db.Model):
    """A student's saved /ofertas search, emailed as new openings match it (portal/alerts/).

    `query` is the listing's normalized query string (portal.openings.queries.Filters); the
    columns below it are the filters it holds that an opening's own columns answer, as saved
    (for SQL reads; the worker's index of the alerts parses `query` itself, portal/alerts/index.py)."""

    __tablename__ = "alerts"
    __table_args__ = (
        one_of("frequency", vocab.ALERT_FREQUENCIES),
        UniqueConstraint("student_id", "query"),
        Index("ix_alerts_matching", "frequency", "paused", "family_id", "programme_id"),
        Index("ix_alerts_department", "department_code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profiles.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(String(400))
    words: Mapped[str | None] = mapped_column(String(100))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"))
    department_code: Mapped[str | None] = mapped_column(String(2))
    province_code: Mapped[str | None] = mapped_column(String(4))
    kind: Mapped[str | None] = mapped_column(String(30))
    work_mode: Mapped[str | None] = mapped_column(String(12))
    frequency: Mapped[str] = mapped_column(String(10), default="semanal")
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    initial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # made at sign-up
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    student: Mapped[StudentProfile] = relationship()


class AlertDelivery(db.Model):
    """An opening sent by one alert: written in the same transaction as its email, so no
    opening is ever sent twice for one alert, whatever stops the worker when."""

    __tablename__ = "alert_deliveries"
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class AlertQueue(db.Model):
    """A just-published opening waiting for the worker to check it against the "inmediata"
    alerts (publishing only adds this row; the worker does the matching)."""

    __tablename__ = "alert_queue"
    opening_id: Mapped[int] = mapped_column(ForeignKey("openings.id", ondelete="CASCADE"), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class Job(db.Model):
    """A periodic job of the worker process (portal/worker.py) and its last run.

    The worker writes one row per job when it starts (its title and period). A run takes
    the row's lease first (`lease_owner`/`lease_until`, one UPDATE that only succeeds when
    no live lease is held and this slot has not run), so two workers never run one job at
    once nor the same slot twice (portal/jobs.py)."""

    __tablename__ = "jobs"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period_seconds: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[datetime] = mapped_column(DateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_slot: Mapped[datetime | None] = mapped_column(DateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_outcome: Mapped[str | None] = mapped_column(String(10))
    last_count: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))


class AuditEvent(TimestampMixin, db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        # With the time and id: a CETPRO's events are found by object and paged by time from
        # the index alone (portal/audit.py `_coordinator_page`).
        Index("ix_audit_events_object", "object_type", "object_id", "created_at", "id"),
        # The trail's pages read newest first, all of it or one actor's or one action's.
        Index("ix_audit_events_created", "created_at", "id"),
        Index("ix_audit_events_actor_created", "actor_id", "created_at"),
        Index("ix_audit_events_action_created", "action", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DataVersion(db.Model):
    """A counter per kind of shared data, bumped in the same transaction as every write
    to it (portal.versions). Caches in every process compare it before they answer,
    so what they hold is never older than the last committed write."""

    __tablename__ = "data_versions"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)


class DataChange(db.Model):
    """What one move of a data version changed (portal.versions): a row's id (for the
    `openings` version, an opening's), or NULL for "anything" (a company renamed, the
    catalogue edited, a bulk statement). Written in the same transaction as the move, so a
    process whose cache is a few versions behind re-reads only those rows. Trimmed to the
    last `versions.KEEP` versions; a process further behind rebuilds."""

    __tablename__ = "data_changes"
    __table_args__ = (Index("ix_data_changes_name_version", "name", "version"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(BigInteger)
    row_id: Mapped[int | None] = mapped_column(Integer)


class StoredFile(db.Model):
    """An uploaded file (a CV, a logo, a convenio PDF, a placement's evidence), in the
    database so every host serves every file and a database backup carries them
    (portal/uploads.py). `key` is the 'folder/<random>.ext' the owning row points to."""

    __tablename__ = "stored_files"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Never loaded with the row: downloads read it in chunks (uploads.send_stored).
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class ImportPreview(db.Model):
    """A roster file's checked rows, kept for an hour between the preview and the confirm
    (portal/roster/imports.py), whichever host serves each request. `state` goes
    ready → importing (one UPDATE claims it: a double click imports once) → done, with the
    result kept for a repeated confirm."""

    __tablename__ = "import_previews"
    __table_args__ = (one_of("state", ("ready", "importing", "done"), "import_preview_state_valid"),)
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"))
    state: Mapped[str] = mapped_column(String(10), default="ready")
    fingerprint: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(10), default="")
    rows: Mapped[list[Any]] = mapped_column(JSON, deferred=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- Webhooks (portal/webhooks/) ------------------------------------------------------------


class WebhookEndpoint(TimestampMixin, db.Model):
    """A URL of a CETPRO's own system that receives its events, signed with `secret`
    (HMAC-SHA256, docs/API.md «Webhooks»). The secret is kept as written because every
    delivery is signed with it; it is shown once, when made or rotated. After a rotation
    the previous secret also signs until `previous_secret_until` (both signatures are sent)."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(80))
    previous_secret: Mapped[str | None] = mapped_column(String(80))
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    cetpro: Mapped[Cetpro] = relationship()


class WebhookDelivery(TimestampMixin, db.Model):
    """One event for one endpoint, written in the same transaction as the event; the worker
    sends it (portal/webhooks/sending.py) and retries with backoff until it is delivered or,
    after the last attempt, failed. Purged 30 days after it ended (privacy/retention.py)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        one_of("state", vocab.WEBHOOK_DELIVERY_STATES, "webhook_delivery_state_valid"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
# --- The API (/api/v1): tokens and idempotency keys ---------------------------------------


class ApiToken(TimestampMixin, db.Model):
    """A CETPRO's API token (portal/apitokens). Only the SHA-256 of the secret is kept: the
    secret is shown once, when made. `prefix` (the secret's first characters, e.g.
    «ecp_Ab3dE6gH») names the token on the tokens page and in the audit trail."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(120))  # space-separated, vocab.API_SCOPES
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_ip: Mapped[str | None] = mapped_column(String(45))

    cetpro: Mapped[Cetpro] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class ApiIdempotencyKey(db.Model):
    """The answer given to one `Idempotency-Key` of a CETPRO's roster sync: the same key and
    body replays it; another body with the key is refused. Purged by the nightly retention job."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("cetpro_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cetpro_id: Mapped[int] = mapped_column(ForeignKey("cetpros.id"))
    key: Mapped[str] = mapped_column(String(200))
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False, index=True)
