"""Passwords: what a password must be, signing in with one, the single-use emailed links
that let a person choose one (reset, and the welcome of an imported student), and ending
every session of an account. No request, no templates."""
from __future__ import annotations

import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from portal import links, mail, signing
from portal.accounts.confirmation import mark_confirmed
from portal.accounts.rules import AccountError, normalize_email
from portal.audit import audit
from portal.extensions import db
from portal.models import User

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = frozenset(
    {
        "1234567890", "12345678910", "0123456789", "contraseña", "contrasena", "contraseña1",
        "password123", "password1234", "qwertyuiop", "peru123456", "peru12345678",
        "iloveyou12", "1q2w3e4r5t", "abcdefghij", "aaaaaaaaaa", "123456789a",
    }
)


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
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    if user.email_confirmed_at is None:
        raise UnconfirmedEmail(user)
    return user  # sessions.start records the sign-in


# --- Password reset -------------------------------------------------------------------

RESET_SALT = "password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return signing.serializer(RESET_SALT)


def password_fingerprint(password_hash: str | None) -> str:
    """What an emailed password link carries of the account's password, to die when it changes:
    an HMAC of the hash keyed with SECRET_KEY. A token's payload is only signed, not encrypted
    (anyone holding the link can read it), so it carries nothing of the hash itself."""
    return signing.digest(b"password-link\0" + (password_hash or "").encode())[:32]


def fingerprint_matches(user: User, token_data: dict) -> bool:
    """Whether a link's payload was made for the account's current password (links made before
    the fingerprint, which carried part of the hash as "h", do not match)."""
    carried = token_data.get("p")
    if not (isinstance(carried, str) and carried.isascii()):  # compare_digest refuses other str
        return False
    # Made under the current key or a fallback (SECRET_KEY_FALLBACKS, portal/signing.py).
    return any(hmac.compare_digest(carried, digest[:32])
               for digest in signing.digests(b"password-link\0" + (user.password_hash or "").encode()))


def reset_token(user: User) -> str:
    # Bound to the current password: resetting changes the hash, and the link dies.
    return _serializer().dumps({"id": user.id, "p": password_fingerprint(user.password_hash)})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data.get("id"), int) else None
    if user is None or not user.active or not fingerprint_matches(user, data):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset email if the account exists. Says nothing either way (no enumeration)."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active:
        return
    queue_reset_email(user)
    audit("password.reset_requested", user, user)
    db.session.commit()


def queue_reset_email(user: User, by_admin: bool = False) -> None:
    """Queue the reset email with a fresh link, asked for by its owner or by an admin for
    them (the same link either way: only the owner's inbox gets it). Not committed."""
    link = links.external("accounts.reset", token=reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    asked, otherwise = (("El equipo de Enlace CETPRO te envía este enlace para que cambies tu contraseña.",
                         "Si no quieres cambiarla")
                        if by_admin else ("Pediste cambiar tu contraseña.", "Si no lo pediste"))
    mail.queue(
        user.email,
        "Cambia tu contraseña de Enlace CETPRO",
        f"Hola {user.first_names}:\n\n{asked} Usa este enlace; vale por {minutes} "
        f"minutos y una sola vez:\n{link}\n\n{otherwise}, ignora este correo: tu contraseña no cambia.\n",
    )


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
        mark_confirmed(user)  # the reset link came by email: that proves it as well
    audit("password.reset", user, user)
    db.session.commit()


def end_sessions(user: User) -> None:
    """Sign the account out everywhere. Sessions live in a signed cookie, so without this a
    copy of one (a shared computer, a stolen cookie) would outlive its owner's sign-out."""
    user.session_version += 1
    db.session.commit()
