"""Accounts: registration, authentication, password reset. No request, no templates."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from portal import mail
from portal.extensions import db
from portal.identifiers import IdentifierError, clean_document, clean_ruc
from portal.models import (
    AuditEvent,
    Cetpro,
    Company,
    CompanyMember,
    Programme,
    StudentProfile,
    User,
    utcnow,
)


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
    email = normalize_email(email)
    if email_taken(email):
        raise AccountError("Ya existe una cuenta con este correo. Si es tuya, ingresa o recupera tu contraseña.", "email")
    if problem := password_problem(password, email):
        raise AccountError(problem, "password")
    user = User(email=email, role=role, first_names=first_names.strip(), last_names=last_names.strip(), phone=phone)
    user.set_password(password)
    db.session.add(user)
    return user


def audit(action: str, obj, actor: User | None = None, **data) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=type(obj).__name__,
            object_id=getattr(obj, "id", None),
            data=data or None,
        )
    )


def notify(user_id: int, kind: str, message: str, url: str | None = None) -> None:
    """Kept for existing callers; new code calls portal.notifications.services.notify, which can also email."""
    from portal.notifications import services as notifications

    notifications.notify(user_id, kind, message, url)


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


def register_student(data: StudentRegistration) -> User:
    """Create a student account, pending verification by its CETPRO's coordinators."""
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
    taken = db.session.scalar(
        select(StudentProfile.id).where(
            StudentProfile.document_type == data.document_type,
            StudentProfile.document_number == number,
        )
    )
    if taken:
        raise AccountError(
            "Ya hay una cuenta con este documento. Si es tuya, ingresa o recupera tu contraseña; si no, habla con tu CETPRO.",
            "document_number",
        )
    user = _new_user(data.email, data.password, "student", data.first_names, data.last_names)
    db.session.flush()
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
    coordinators = db.session.scalars(
        select(User.id).where(User.role == "coordinator", User.cetpro_id == cetpro.id, User.active.is_(True))
    )
    for coordinator_id in coordinators:
        notify(coordinator_id, "student-registered",
               f"{user.full_name} se registró como estudiante de {programme.name} y espera verificación.",
               "/coordinador/estudiantes")
    audit("student.registered", profile, user)
    db.session.commit()
    return user


@dataclass
class EmployerRegistration:
    first_names: str
    last_names: str
    email: str
    password: str
    ruc: str
    legal_name: str
    phone: str | None = None


def register_employer(data: EmployerRegistration) -> tuple[User, Company, bool]:
    """Create an employer account and its company, or ask to join an existing one.

    Returns (user, company, joined). Joining leaves the membership pending until a
    member of the company accepts it: nobody reaches a company's applicants by
    typing its RUC.
    """
    try:
        ruc = clean_ruc(data.ruc)
    except IdentifierError as error:
        raise AccountError(str(error), "ruc") from None
    company = db.session.scalar(select(Company).where(Company.ruc == ruc))
    if company is None and not data.legal_name.strip():
        raise AccountError("Ingresa la razón social de la empresa.", "legal_name")
    user = _new_user(data.email, data.password, "employer", data.first_names, data.last_names, data.phone)
    db.session.flush()
    joined = company is not None
    if company is None:
        company = Company(ruc=ruc, legal_name=data.legal_name.strip(), verification_state="unverified")
        db.session.add(company)
        db.session.flush()
        db.session.add(CompanyMember(company_id=company.id, user_id=user.id, state="active", is_owner=True))
        audit("company.created", company, user, ruc=ruc)
    else:
        db.session.add(CompanyMember(company_id=company.id, user_id=user.id, state="pending"))
        members = db.session.scalars(
            select(CompanyMember).where(CompanyMember.company_id == company.id, CompanyMember.state == "active")
        )
        for member in members:
            notify(member.user_id, "member-requested",
                   f"{user.full_name} ({user.email}) pidió unirse a {company.display_name}.", "/empresa/equipo")
            mail.queue(
                member.user.email,
                f"{user.full_name} quiere unirse a {company.display_name} en Enlace CETPRO",
                f"Hola {member.user.first_names}:\n\n{user.full_name} ({user.email}) pidió actuar en nombre de "
                f"{company.display_name} en Enlace CETPRO. Si es de tu equipo, acéptalo desde tu panel:\n"
                f"{current_app.config['BASE_URL']}/empresa\n\nSi no lo conoces, no hagas nada.\n",
            )
        audit("company.join_requested", company, user)
    db.session.commit()
    return user, company, joined


# A real hash to compare against when the email is unknown, so a login for a
# missing account takes as long as one with a wrong password (no enumeration by timing).
_DUMMY_HASH = generate_password_hash("no-such-account-password")


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
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
    link = current_app.config["BASE_URL"] + url_for("accounts.reset", token=reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    mail.queue(
        user.email,
        "Cambia tu contraseña de Enlace CETPRO",
        f"Hola {user.first_names}:\n\nPediste cambiar tu contraseña. Usa este enlace; vale por {minutes} "
        f"minutos y una sola vez:\n{link}\n\nSi no lo pediste, ignora este correo: tu contraseña no cambia.\n",
    )
    audit("password.reset_requested", user, user)
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    if problem := password_problem(password, user.email):
        raise AccountError(problem, "password")
    user.set_password(password)
    user.session_version += 1  # ends every other session of this account
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
