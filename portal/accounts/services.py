"""Accounts: registration, authentication, password reset. No request, no templates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from portal import links, mail
from portal.audit import audit
from portal.extensions import db
from portal.identifiers import IdentifierError, clean_document, clean_ruc
from portal.models import (
    Application,
    AuditEvent,
    Cetpro,
    Company,
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
from portal.notifications.services import notify


class AccountError(ValueError):
    """A rule broken by the data given; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = frozenset(
    {
        "1234567890", "12345678910", "0123456789", "contraseña", "contrasena", "contraseña1",
        "password123", "password1234", "qwertyuiop", "peru123456", "peru12345678",
        "iloveyou12", "1q2w3e4r5t", "abcdefghij", "aaaaaaaaaa", "123456789a",
    }
)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is too weak, in Spanish, or None if it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"La contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres."
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "Esa contraseña es muy fácil de adivinar. Elige otra."
    if password.isdigit():
        return "La contraseña no puede ser solo números: combina letras y números."
    local = normalize_email(email).split("@")[0]
    if len(local) >= 4 and local in password.lower():
        return "La contraseña no puede contener tu correo."
    return None


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == normalize_email(email))) is not None


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


# --- Self-registration: nothing is told about who already has an account -------------------
#
# Both forms answer every valid submission with the same "check your email" page. What
# happened is told only to the inbox of the address typed, which its owner reads: a new
# account waits for its confirmation link; a confirmed one gets "someone tried to sign
# up with your email"; an unconfirmed one gets its link again; a student DNI that is taken
# gets the guidance for that. Every path hashes the password once and queues one email,
# so none is measurably quicker than another.

CONFIRM_SALT = "email-confirm"
UNCONFIRMED_DAYS = 7  # `accounts purge-unconfirmed` removes older unconfirmed accounts


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


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def confirmation_token(user: User) -> str:
    # Bound to the email too: an account whose email changed needs a new link.
    return _confirm_serializer().dumps({"id": user.id, "e": user.email})


def confirmation_link(user: User) -> str:
    return links.external("accounts.confirm", token=confirmation_token(user))


def user_for_confirmation_token(token: str) -> User | None:
    """The account a confirmation link is for, or None if forged, expired or already used."""
    try:
        data = _confirm_serializer().loads(token, max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = db.session.get(User, data["id"])
    if user is None or not user.active or user.email != data.get("e") or user.email_confirmed_at is not None:
        return None
    return user


def _queue_confirmation(user: User, again: bool = False) -> None:
    hours = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600
    body = (
        f"Hola {user.first_names}:\n\n"
        f"Para activar tu cuenta de Enlace CETPRO abre este enlace (vale por {hours} horas y una sola vez):\n"
        f"{confirmation_link(user)}\n\n"
    )
    if again:
        body += (
            "Ya habías empezado a crear una cuenta con este correo: el enlace activa esa cuenta, con los "
            "datos y la contraseña que elegiste la primera vez. Si no recuerdas la contraseña, después de "
            f"activarla puedes cambiarla en {links.external('accounts.forgot')}.\n\n"
        )
    body += (
        "Si no creaste una cuenta, ignora este correo: sin el enlace nadie puede usarla y se borra "
        f"sola en {UNCONFIRMED_DAYS} días.\n\n--\nEnlace CETPRO · {links.base_url()}\n"
    )
    mail.queue(user.email, "Activa tu cuenta de Enlace CETPRO", body)


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
        _queue_confirmation(user, again=True)
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
    programme = db.session.get(Programme, data.programme_id) if data.programme_id else None
    if programme is None:
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
    audit("student.registered", profile, user)
    _queue_confirmation(user)
    db.session.commit()


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
    _queue_confirmation(user)
    db.session.commit()


def _mark_confirmed(user: User) -> bool:
    """Confirm the email and tell those who wait for this account. False when another request
    confirmed it first (a double click): then nobody is told twice. Not committed."""
    now = utcnow()
    won = db.session.execute(
        update(User).where(User.id == user.id, User.email_confirmed_at.is_(None)).values(email_confirmed_at=now)
    ).rowcount == 1
    if not won:
        db.session.refresh(user)
        return False
    user.email_confirmed_at = now
    profile = user.student
    if user.role == "student" and profile is not None:
        coordinators = db.session.scalars(
            select(User.id).where(User.role == "coordinator", User.cetpro_id == profile.cetpro_id,
                                  User.active.is_(True))
        )
        for coordinator_id in coordinators:
            notify(coordinator_id, "student-registered",
                   f"{user.full_name} se registró como estudiante de {profile.programme.name} y espera verificación.",
                   links.path("roster.index"))
    membership = user.membership
    if user.role == "employer" and membership is not None and membership.state == "pending":
        company = membership.company
        members = db.session.scalars(
            select(CompanyMember).where(CompanyMember.company_id == company.id, CompanyMember.state == "active")
        )
        for member in members:
            notify(member.user_id, "member-requested",
                   f"{user.full_name} ({user.email}) pidió unirse a {company.display_name}.",
                   links.path("companies.team"))
            mail.queue(
                member.user.email,
                f"{user.full_name} quiere unirse a {company.display_name} en Enlace CETPRO",
                f"Hola {member.user.first_names}:\n\n{user.full_name} ({user.email}) pidió actuar en nombre de "
                f"{company.display_name} en Enlace CETPRO. Si es de tu equipo, acéptalo desde tu panel:\n"
                f"{links.external('employers.dashboard')}\n\nSi no lo conoces, no hagas nada.\n",
            )
    audit("account.email_confirmed", user, user)
    return True


def confirm_email(user: User) -> bool:
    """Confirm a self-registered account from its emailed link; see `_mark_confirmed`."""
    confirmed = _mark_confirmed(user)
    db.session.commit()
    return confirmed


def resend_confirmation(email: str) -> None:
    """Queue a new confirmation link if an unconfirmed account has this email. Says nothing."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active or user.email_confirmed_at is not None:
        return
    _queue_confirmation(user)
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
                db.session.execute(delete(Company).where(Company.id == company_id))
    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id == user_id).values(actor_id=None))
    db.session.execute(update(OpeningReport).where(OpeningReport.reporter_id == user_id).values(reporter_id=None))
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.add(AuditEvent(actor_id=None, action="account.purged_unconfirmed", object_type="User",
                              object_id=user_id))
    return True


# A real hash to compare against when the email is unknown, so a login for a
# missing account takes as long as one with a wrong password (no enumeration by timing).
_DUMMY_HASH = generate_password_hash("no-such-account-password")


class UnconfirmedEmail(Exception):
    """The right password for an account whose email was never confirmed."""

    def __init__(self, user: User):
        super().__init__(user.email)
        self.user = user


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None. Raises UnconfirmedEmail only after the
    right password: a wrong one gets the same None as an unknown email."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    if user.email_confirmed_at is None:
        raise UnconfirmedEmail(user)
    user.last_login_at = utcnow()
    db.session.commit()
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


# --- Password reset -------------------------------------------------------------------

RESET_SALT = "password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def reset_token(user: User) -> str:
    # Binding the token to the current hash makes it single-use: resetting changes the hash.
    return _serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data.get("id"), int) else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("h"):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset email if the account exists. Says nothing either way (no enumeration)."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active:
        return
    link = links.external("accounts.reset", token=reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    mail.queue(
        user.email,
        "Cambia tu contraseña de Enlace CETPRO",
        f"Hola {user.first_names}:\n\nPediste cambiar tu contraseña. Usa este enlace; vale por {minutes} "
        f"minutos y una sola vez:\n{link}\n\nSi no lo pediste, ignora este correo: tu contraseña no cambia.\n",
    )
    audit("password.reset_requested", user, user)
    db.session.commit()


class LinkUsed(AccountError):
    """A single-use link that another request used first (or at the same moment)."""

    def __init__(self):
        super().__init__("El enlace ya fue usado. Si no fuiste tú, pide uno nuevo.")


def take_password_link(user: User, password: str) -> None:
    """Set the password that a single-use emailed link (reset, welcome) lets its holder choose.

    Such a link is bound to the account's password hash as it was when the link was made, so
    it stops working once the password changes. The change is a conditional write, only if
    the hash is still the one the request started from: two requests carrying one link at
    the same moment race to it and exactly one changes the row; the other raises LinkUsed
    and writes nothing. Also ends every other session of the account. Not committed.
    """
    new_hash = generate_password_hash(password)
    won = db.session.execute(
        update(User).where(User.id == user.id, User.password_hash == user.password_hash)
        .values(password_hash=new_hash, session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        db.session.rollback()
        raise LinkUsed()
    db.session.refresh(user)


def reset_password(user: User, password: str) -> None:
    if problem := password_problem(password, user.email):
        raise AccountError(problem, "password")
    take_password_link(user, password)  # ends every other session of this account
    if user.email_confirmed_at is None:
        _mark_confirmed(user)  # the reset link came by email: that proves it as well
    audit("password.reset", user, user)
    db.session.commit()


def end_sessions(user: User) -> None:
    """Sign the account out everywhere. Sessions live in a signed cookie, so without this a
    copy of one (a shared computer, a stolen cookie) would outlive its owner's sign-out."""
    user.session_version += 1
    db.session.commit()


def count_users_by_role() -> dict[str, int]:
    rows = db.session.execute(select(User.role, func.count()).group_by(User.role))
    return {role: count for role, count in rows}
