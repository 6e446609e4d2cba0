"""Making accounts: self-registration (student or employer), the staff accounts made from
the command line, and purging self-registered accounts never confirmed. No request, no templates.

Self-registration tells nobody who already has an account. Both forms answer every valid
submission with the same "check your email" page. What happened is told only to the inbox
of the address typed, which its owner reads: a new account waits for its confirmation link;
a confirmed one gets "someone tried to sign up with your email"; an unconfirmed one gets
its link again; a student DNI that is taken gets the guidance for that. Every path hashes
the password once and queues one email, so none is measurably quicker than another.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from portal import links, mail
from portal.accounts.confirmation import UNCONFIRMED_DAYS, queue_confirmation
from portal.accounts.passwords import password_problem
from portal.accounts.rules import AccountError, email_taken, normalize_email
from portal.audit import audit
from portal.extensions import db
from portal.identifiers import IdentifierError, clean_document, clean_ruc
from portal.models import (
    Alert,
    AlertDelivery,
    Application,
    AuditEvent,
    Cetpro,
    Company,
    CompanyInvitation,
    CompanyMember,
    Convenio,
    Nomination,
    Notification,
    Opening,
    OpeningReport,
    Placement,
    Programme,
    StudentProfile,
    StudentSkill,
    User,
    student_modules,
    utcnow,
)
from portal.reference import live


@dataclass
class StudentRegistration:
    first_names: str
    last_names: str
    email: str
    password: str
    cetpro_id: int
    programme_id: int
    document_type: str
    document_number: str
    status: str = "estudiante"


@dataclass
class EmployerRegistration:
    first_names: str
    last_names: str
    email: str
    password: str
    ruc: str
    legal_name: str
    phone: str | None = None


def _queue_account_exists(email: str) -> None:
    base, forgot, login = links.base_url(), links.external("accounts.forgot"), links.external("accounts.login")
    mail.queue(
        email,
        "Alguien intentó crear una cuenta con tu correo",
        "Hola:\n\nYa tienes una cuenta de Enlace CETPRO con este correo. Alguien intentó crear una cuenta "
        f"con este correo. Si fuiste tú, ingresa o recupera tu contraseña: {forgot}\n\n"
        f"Para ingresar: {login}\n\n"
        f"Si no fuiste tú, ignora este correo: tu cuenta no cambió.\n\n--\nEnlace CETPRO · {base}\n",
    )


def _queue_document_taken(email: str, first_names: str) -> None:
    base, forgot, login = links.base_url(), links.external("accounts.forgot"), links.external("accounts.login")
    mail.queue(
        email,
        "Tu cuenta de Enlace CETPRO no se creó",
        f"Hola {first_names.strip()}:\n\nIntentaste crear una cuenta de estudiante en Enlace CETPRO con "
        "el documento que escribiste. Ya hay una cuenta con este documento. Si es tuya, ingresa o recupera "
        "tu contraseña; si no, habla con tu CETPRO.\n\n"
        f"Ingresar: {login}\nRecuperar tu contraseña: {forgot}\n\n"
        f"--\nEnlace CETPRO · {base}\n",
    )


def _new_password_hash(password: str, email: str) -> str:
    """Check the chosen password (its rules speak only of what was typed) and hash it.

    Hashed on every path, even when the account will not be created: the hash is the
    slow part of a registration, so skipping it would tell a taken email by timing.
    """
    if problem := password_problem(password, email):
        raise AccountError(problem, "password")
    return generate_password_hash(password)


def _told_existing_account(email: str) -> bool:
    """If the email has an account, email its owner (a new link if unconfirmed) and say so."""
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        return False
    if user.email_confirmed_at is None and user.active:
        queue_confirmation(user, again=True)
    else:
        _queue_account_exists(email)
    db.session.commit()
    return True


def _pending_user(email: str, password_hash: str, role: str, first_names: str, last_names: str,
                  phone: str | None = None) -> User:
    user = User(email=email, role=role, first_names=first_names.strip(), last_names=last_names.strip(),
                phone=phone, password_hash=password_hash, email_confirmed_at=None)
    db.session.add(user)
    db.session.flush()
    return user


def _once_more_on_conflict(register, data) -> None:
    """Two submissions at once with the same email or DNI: the loser's insert breaks a unique
    constraint; run it again, and it takes the path for an existing account."""
    try:
        register(data)
    except IntegrityError:
        db.session.rollback()
        register(data)


def register_student(data: StudentRegistration) -> None:
    """Sign a student up: an unconfirmed account pending verification by its CETPRO, or an
    email to the address typed when the email or the DNI already has an account.

    Raises AccountError only for what was typed wrong; says nothing about other people.
    """
    _once_more_on_conflict(_register_student, data)


def _register_student(data: StudentRegistration) -> None:
    cetpro = db.session.get(Cetpro, data.cetpro_id) if data.cetpro_id else None
    if cetpro is None or not cetpro.active:
        raise AccountError("Elige un CETPRO de la lista.", "cetpro_id")
    programme = db.session.scalar(select(Programme).where(Programme.id == data.programme_id, live.programmes())) \
        if data.programme_id else None
    if programme is None:  # unknown, or retired from the catalogue
        raise AccountError("Elige un programa de estudios de la lista.", "programme_id")
    try:
        number = clean_document(data.document_type, data.document_number)
    except IdentifierError as error:
        raise AccountError(str(error), "document_number") from None
    email = normalize_email(data.email)
    password_hash = _new_password_hash(data.password, email)
    if _told_existing_account(email):
        return
    taken = db.session.scalar(
        select(StudentProfile.id).where(
            StudentProfile.document_type == data.document_type,
            StudentProfile.document_number == number,
        )
    )
    if taken:
        _queue_document_taken(email, data.first_names)
        db.session.commit()
        return
    user = _pending_user(email, password_hash, "student", data.first_names, data.last_names)
    profile = StudentProfile(
        user_id=user.id,
        cetpro_id=cetpro.id,
        programme_id=programme.id,
        level=programme.level,
        status="estudiante",
        document_type=data.document_type,
        document_number=number,
        department_code=cetpro.department_code,
        province_code=cetpro.province_code,
        verification_state="pending",
    )
    db.session.add(profile)
    db.session.flush()
    db.session.add(initial_alert(profile, programme))
    audit("student.registered", profile, user)
    queue_confirmation(user)
    db.session.commit()


def initial_alert(profile: StudentProfile, programme: Programme) -> Alert:
    """The job alert a new student starts with: her programme in her province, weekly.

    Its query string is in the listing's normalized form (what portal/alerts/services.py's
    `query_of` makes of the same search; tests/alerts hold the two equal), written here
    because accounts sit below the listing."""
    search = [("familia", programme.family_id), ("programa", programme.id)]
    if profile.department_code:
        search.append(("departamento", profile.department_code))
        if profile.province_code and profile.province_code.startswith(profile.department_code):
            search.append(("provincia", profile.province_code))
    columns = dict(search)
    return Alert(student_id=profile.id, query=urlencode(search), frequency="semanal", paused=False, initial=True,
                 family_id=programme.family_id, programme_id=programme.id,
                 department_code=columns.get("departamento"), province_code=columns.get("provincia"))


def register_employer(data: EmployerRegistration) -> None:
    """Sign an employer up: an unconfirmed account with its new company, or asking to join
    the company of that RUC; or an email to the address typed when it has an account.

    Joining leaves the membership pending until a member of the company accepts it (they
    are asked once the email is confirmed): nobody reaches a company's applicants by typing
    its RUC. That a RUC is registered may be told (the inline check does): RUCs and
    companies are public.
    """
    _once_more_on_conflict(_register_employer, data)


def _register_employer(data: EmployerRegistration) -> None:
    try:
        ruc = clean_ruc(data.ruc)
    except IdentifierError as error:
        raise AccountError(str(error), "ruc") from None
    company = db.session.scalar(select(Company).where(Company.ruc == ruc))
    if company is None and not data.legal_name.strip():
        raise AccountError("Ingresa la razón social de la empresa.", "legal_name")
    email = normalize_email(data.email)
    password_hash = _new_password_hash(data.password, email)
    if _told_existing_account(email):
        return
    user = _pending_user(email, password_hash, "employer", data.first_names, data.last_names, data.phone)
    if company is None:
        company = Company(ruc=ruc, legal_name=data.legal_name.strip(), verification_state="unverified")
        db.session.add(company)
        db.session.flush()
        db.session.add(CompanyMember(company_id=company.id, user_id=user.id, state="active", is_owner=True))
        audit("company.created", company, user, ruc=ruc)
    else:
        db.session.add(CompanyMember(company_id=company.id, user_id=user.id, state="pending"))
        audit("company.join_requested", company, user)
    queue_confirmation(user)
    db.session.commit()


def purge_unconfirmed(days: int = UNCONFIRMED_DAYS, now: datetime | None = None) -> tuple[int, int]:
    """Remove self-registered accounts never confirmed in `days` days, with their student
    profile, membership and the company they created if nobody else is in it; so nobody
    holds an email, a DNI or a RUC by signing up with it. Returns (removed, kept): an
    account something else now points to (an application, an opening…) is kept."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    ids = list(db.session.scalars(
        select(User.id).where(User.email_confirmed_at.is_(None), User.created_at < cutoff,
                              User.role.in_(("student", "employer"))).order_by(User.id)
    ))
    removed = kept = 0
    for user_id in ids:
        try:
            if _purge_account(user_id):
                db.session.commit()
                removed += 1
            else:
                db.session.rollback()
                kept += 1
        except IntegrityError:  # a row we did not expect points at it: keep the account
            db.session.rollback()
            kept += 1
    return removed, kept


def _purge_account(user_id: int) -> bool:
    profile_id = db.session.scalar(select(StudentProfile.id).where(StudentProfile.user_id == user_id))
    if profile_id is not None:
        used = db.session.scalar(select(
            exists().where(Application.student_id == profile_id)
            | exists().where(Nomination.student_id == profile_id)
            | exists().where(Placement.student_id == profile_id)
        ))
        if used:
            return False
        db.session.execute(delete(student_modules).where(student_modules.c.student_id == profile_id))
        db.session.execute(delete(StudentSkill).where(StudentSkill.student_id == profile_id))
        alerts = select(Alert.id).where(Alert.student_id == profile_id)
        db.session.execute(delete(AlertDelivery).where(AlertDelivery.alert_id.in_(alerts)))
        db.session.execute(delete(Alert).where(Alert.student_id == profile_id))
        db.session.execute(delete(StudentProfile).where(StudentProfile.id == profile_id))
    membership = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == user_id))
    if membership is not None:
        company_id = membership.company_id
        db.session.execute(delete(CompanyMember).where(CompanyMember.id == membership.id))
        if membership.is_owner:
            in_use = db.session.scalar(select(
                exists().where(CompanyMember.company_id == company_id)
                | exists().where(Opening.company_id == company_id)
                | exists().where(Convenio.company_id == company_id)
                | exists().where(Placement.company_id == company_id)
            ))
            if not in_use:
                db.session.execute(delete(CompanyInvitation).where(CompanyInvitation.company_id == company_id))
                db.session.execute(delete(Company).where(Company.id == company_id))
    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id == user_id).values(actor_id=None))
    db.session.execute(update(OpeningReport).where(OpeningReport.reporter_id == user_id).values(reporter_id=None))
    db.session.execute(update(CompanyInvitation).where(CompanyInvitation.invited_by_id == user_id)
                       .values(invited_by_id=None))
    db.session.execute(update(CompanyInvitation).where(CompanyInvitation.ended_by_id == user_id)
                       .values(ended_by_id=None))
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.add(AuditEvent(actor_id=None, action="account.purged_unconfirmed", object_type="User",
                              object_id=user_id))
    return True


# --- Staff accounts -------------------------------------------------------------------


def _new_user(email: str, password: str, role: str, first_names: str, last_names: str = "",
              phone: str | None = None) -> User:
    """An account made by staff (or a staff command): its email counts as confirmed."""
    email = normalize_email(email)
    if email_taken(email):
        raise AccountError("Ya existe una cuenta con este correo. Si es tuya, ingresa o recupera tu contraseña.", "email")
    if problem := password_problem(password, email):
        raise AccountError(problem, "password")
    user = User(email=email, role=role, first_names=first_names.strip(), last_names=last_names.strip(), phone=phone,
                email_confirmed_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    return user


def create_staff(email: str, password: str, role: str, first_names: str,
                 cetpro: Cetpro | None = None) -> User:
    if role not in ("admin", "coordinator"):
        raise AccountError("Rol no válido.")
    if role == "coordinator" and cetpro is None:
        raise AccountError("Un(a) coordinador(a) pertenece a un CETPRO.")
    user = _new_user(email, password, role, first_names)
    user.cetpro_id = cetpro.id if cetpro else None
    db.session.flush()
    audit(f"{role}.created", user)
    db.session.commit()
    return user
