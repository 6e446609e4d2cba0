"""Email confirmation of a self-registered account: its signed link, the email that carries
it, and confirming, which tells the people who wait for the account. No request, no templates."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from portal import links, mail, signing
from portal.accounts.rules import normalize_email
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.models import CompanyMember, User
from portal.notifications.services import notify

CONFIRM_SALT = "email-confirm"
UNCONFIRMED_DAYS = 7  # `accounts purge-unconfirmed` removes older unconfirmed accounts


def _confirm_serializer() -> URLSafeTimedSerializer:
    return signing.serializer(CONFIRM_SALT)


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


def queue_confirmation(user: User, again: bool = False) -> None:
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


def mark_confirmed(user: User) -> bool:
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
                   links.path("coordinators.roster"))
    membership = user.membership
    if user.role == "employer" and membership is not None and membership.state == "pending":
        company = membership.company
        members = db.session.scalars(
            select(CompanyMember).where(CompanyMember.company_id == company.id, CompanyMember.state == "active")
        )
        for member in members:
            notify(member.user_id, "member-requested",
                   f"{user.full_name} ({user.email}) pidió unirse a {company.display_name}.",
                   links.path("employers.team"))
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
    """Confirm a self-registered account from its emailed link; see `mark_confirmed`."""
    confirmed = mark_confirmed(user)
    db.session.commit()
    return confirmed


def resend_confirmation(email: str) -> None:
    """Queue a new confirmation link if an unconfirmed account has this email. Says nothing."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active or user.email_confirmed_at is not None:
        return
    queue_confirmation(user)
    db.session.commit()
