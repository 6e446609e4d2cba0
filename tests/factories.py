"""Small builders for test data. All users share one precomputed password hash (fast)."""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal import clock
from portal.extensions import db
from portal.models import (
    Application,
    Cetpro,
    Company,
    CompanyMember,
    Convenio,
    Family,
    Module,
    Opening,
    OpeningRequirement,
    Placement,
    Programme,
    StudentProfile,
    User,
)

PASSWORD = "enlace-demo"
_seq = itertools.count(1)

# Valid RUCs (mod-11 check digit) and DNIs for tests.
RUCS = ["20100070970", "20512333797", "20131312955", "20100047218", "20100128056", "10467793549"]


# The users' hash is a real scrypt hash at a low cost (N = 2**10, where the portal hashes with
# werkzeug's N = 2**15): signing in still runs the portal's own check, at 3 ms, not 95 — the
# suite signs in thousands of times. The portal's hashing of a new password is untouched, and
# tests/trust/test_login_abuse.py compares a hash at the portal's own cost with the dummy's.
TEST_HASH_METHOD = "scrypt:1024:8:1"


@cache
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method=TEST_HASH_METHOD)


def _user(role: str, email: str | None = None, **fields) -> User:
    n = next(_seq)
    user = User(
        email=email or f"{role}{n}@example.pe",
        role=role,
        first_names=fields.pop("first_names", f"Nombre{n}"),
        last_names=fields.pop("last_names", f"Apellido{n}"),
        password_hash=password_hash(),
        email_confirmed_at=fields.pop("email_confirmed_at", clock.utcnow()),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def programme(name: str = "Electricidad") -> Programme:
    return db.session.scalar(select(Programme).where(Programme.name == name))


def family(name: str = "Electricidad y Electrónica") -> Family:
    return db.session.scalar(select(Family).where(Family.name == name))


def cetpro(name: str | None = None, department: str = "04", province: str = "0401", **fields) -> Cetpro:
    n = next(_seq)
    row = Cetpro(
        name=name or f"CETPRO Prueba {n}",
        codigo_modular=fields.pop("codigo_modular", f"{1000000 + n}"),
        department_code=department,
        province_code=province,
        management=fields.pop("management", "publica"),
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def student(cetpro_row: Cetpro | None = None, programme_row: Programme | None = None,
            status: str = "egresado", email: str | None = None, modules: int = 2,
            verified: bool = True, **fields) -> User:
    cetpro_row = cetpro_row or cetpro()
    programme_row = programme_row or programme()
    user = _user("student", email)
    n = next(_seq)
    profile = StudentProfile(
        user_id=user.id,
        cetpro_id=cetpro_row.id,
        programme_id=programme_row.id,
        level=programme_row.level,
        status=status,
        graduation_date=fields.pop("graduation_date", None if status == "estudiante" else clock.today() - timedelta(days=90)),
        document_type=fields.pop("document_type", "dni"),
        document_number=fields.pop("document_number", f"{40000000 + n}"),
        department_code=cetpro_row.department_code,
        province_code=cetpro_row.province_code,
        verification_state="verified" if verified else "pending",
        **fields,
    )
    profile.modules = list(programme_row.modules[:modules])
    db.session.add(profile)
    db.session.commit()
    return user


def company(verified: bool = True, ruc: str | None = None, **fields) -> Company:
    n = next(_seq)
    ruc = ruc or RUCS[n % len(RUCS)]
    existing = db.session.scalar(select(Company).where(Company.ruc == ruc))
    if existing and not fields.get("legal_name"):
        # Every RUC may be used once; make a new valid one by scanning.
        ruc = _free_ruc()
    row = Company(
        ruc=ruc,
        legal_name=fields.pop("legal_name", f"Empresa Prueba {n} S.A.C."),
        verification_state="verified" if verified else "unverified",
        decided_by_admin=fields.pop("decided_by_admin", verified),  # verified: by the platform
        department_code=fields.pop("department_code", "04"),
        province_code=fields.pop("province_code", "0401"),
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _free_ruc() -> str:
    from stdnum.pe import ruc as ruc_module

    taken = set(db.session.scalars(select(Company.ruc)))
    for body in range(10000000, 99999999):
        base = f"20{body:08d}"
        candidate = base + ruc_module.calc_check_digit(base)
        if candidate not in taken:
            return candidate
    raise RuntimeError("no free RUC")


def employer(company_row: Company | None = None, email: str | None = None, state: str = "active") -> User:
    company_row = company_row or company()
    user = _user("employer", email)
    db.session.add(CompanyMember(company_id=company_row.id, user_id=user.id, state=state, is_owner=True))
    db.session.commit()
    return user


def coordinator(cetpro_row: Cetpro | None = None, email: str | None = None) -> User:
    cetpro_row = cetpro_row or cetpro()
    user = _user("coordinator", email, cetpro_id=cetpro_row.id)
    db.session.commit()
    return user


def admin(email: str | None = None) -> User:
    user = _user("admin", email)
    db.session.commit()
    return user


def opening(company_row: Company | None = None, state: str = "published", kind: str = "empleo",
            title: str = "Electricista de mantenimiento", required_modules: int = 2, **fields) -> Opening:
    company_row = company_row or company()
    programme_row = programme()
    row = Opening(
        company_id=company_row.id,
        title=title,
        description=fields.pop("description", "Mantenimiento de instalaciones eléctricas en planta."),
        kind=kind,
        family_id=fields.pop("family_id", programme_row.family_id),
        department_code=fields.pop("department_code", "04"),
        province_code=fields.pop("province_code", "0401"),
        work_mode=fields.pop("work_mode", "presencial"),
        hours_per_day=fields.pop("hours_per_day", Decimal("8")),
        hours_per_week=fields.pop("hours_per_week", Decimal("48")),
        pay_monthly=fields.pop("pay_monthly", Decimal("1500")),
        vacancies=fields.pop("vacancies", 2),
        start_date=fields.pop("start_date", clock.today() + timedelta(days=30)),
        deadline=fields.pop("deadline", clock.today() + timedelta(days=20)),
        state=state,
        published_at=fields.pop("published_at", clock.utcnow() if state != "draft" else None),
        **fields,
    )
    for module in programme_row.modules[:required_modules]:
        row.requirements.append(OpeningRequirement(module_id=module.id, required=True))
    db.session.add(row)
    db.session.commit()
    return row


def application(opening_row: Opening, student_user: User, state: str = "received") -> Application:
    row = Application(opening_id=opening_row.id, student_id=student_user.student.id, state=state)
    db.session.add(row)
    db.session.commit()
    return row


def module_names(programme_row: Programme) -> list[str]:
    return [m.name for m in db.session.scalars(select(Module).where(Module.programme_id == programme_row.id).order_by(Module.position))]


def named(user: User, first_names: str, last_names: str) -> User:
    """`user` renamed (the factories number their names)."""
    user.first_names, user.last_names = first_names, last_names
    db.session.commit()
    return user


def placement(student_user: User, start: date, kind: str = "empleo", *, employer: str | None = None,
              company: Company | None = None, application: Application | None = None,
              job_title: str = "Electricista", department: str | None = None, **fields) -> Placement:
    """A placement of the student in their CETPRO: with a company registered in the portal, or an
    employer named by hand; from the portal (`source`) when it comes from a hired `application`."""
    profile = student_user.student
    row = Placement(
        student_id=profile.id, cetpro_id=profile.cetpro_id,
        application_id=application.id if application else None,
        company_id=company.id if company else None,
        employer_name=employer or (company.legal_name if company else "Taller Eléctrico Misti"),
        job_title=job_title, kind=kind, source=fields.pop("source", "portal" if application else "manual"),
        start_date=start, department_code=department, **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def convenio(cetpro_row: Cetpro, company_row: Company, state: str = "active", proposed_by: str = "cetpro",
             start: date | None = None, end: date | None = None, open_ended: bool = False,
             kind: str = "practicas", **fields) -> Convenio:
    """A convenio between the CETPRO and the company; by default in force since a month ago, for
    about a year (`open_ended`: no end date)."""
    day = clock.today()
    row = Convenio(cetpro_id=cetpro_row.id, company_id=company_row.id, kind=kind, state=state,
                   proposed_by=proposed_by, start_date=start or day - timedelta(days=30),
                   end_date=None if open_ended else (end or day + timedelta(days=335)), **fields)
    db.session.add(row)
    db.session.commit()
    return row
