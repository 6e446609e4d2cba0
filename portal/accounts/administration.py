"""What an admin does to someone's account (/admin/usuarios/<id>): deactivate and reactivate
it, send again the confirmation email of a sign-up, and send the normal password reset email.
The admin never sees or sets a password. Each action is audited with the admin as actor.
No request, no templates.

A deactivated account keeps every row it has (profile, applications, company, history): it
only cannot sign in. Deactivating also ends its sessions (`session_version`, as signing out
everywhere does), and its emailed links stop working because they check `active`.
"""
from __future__ import annotations

from sqlalchemy import update

from portal.accounts.confirmation import queue_confirmation
from portal.accounts.passwords import queue_reset_email
from portal.accounts.rules import AccountError
from portal.audit import audit
from portal.extensions import db
from portal.models import User

REASON_MAX = 300


def _require_admin(actor: User) -> None:
    if actor.role != "admin" or not actor.active:
        raise PermissionError("only an admin administers accounts")


def _not_erased(user: User) -> None:
    if user.deleted_at is not None:
        raise AccountError("Esta cuenta se eliminó a pedido de la persona: ya no tiene datos ni puede volver a usarse.")


def deactivate(user: User, actor: User, reason: str = "") -> bool:
    """Deactivate the account and end its sessions. False when it already was (a double
    click, or another admin first): then nothing is written or audited twice. Committed."""
    _require_admin(actor)
    if user.id == actor.id:
        raise AccountError("No puedes desactivar tu propia cuenta. Pide a otra persona del equipo que lo haga.")
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise AccountError(f"El motivo puede tener hasta {REASON_MAX} caracteres.", "reason")
    won = db.session.execute(
        update(User).where(User.id == user.id, User.active.is_(True))
        .values(active=False, session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if won:
        audit("user.deactivated", user, actor, reason=reason or None)
    db.session.commit()
    db.session.refresh(user)
    return won


def reactivate(user: User, actor: User) -> bool:
    """Let the account sign in again (its old sessions stay ended). False when it was active."""
    _require_admin(actor)
    _not_erased(user)
    won = db.session.execute(
        update(User).where(User.id == user.id, User.active.is_(False)).values(active=True)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if won:
        audit("user.reactivated", user, actor)
    db.session.commit()
    db.session.refresh(user)
    return won


def resend_confirmation(user: User, actor: User) -> None:
    """Queue a new confirmation link for a sign-up whose email was never confirmed."""
    _require_admin(actor)
    _not_erased(user)
    if not user.active:
        raise AccountError("La cuenta está desactivada: reactívala antes de enviarle el enlace.")
    if user.email_confirmed_at is not None:
        raise AccountError("Esta cuenta ya confirmó su correo: no necesita otro enlace.")
    queue_confirmation(user)
    audit("user.confirmation_resent", user, actor)
    db.session.commit()


def send_password_reset(user: User, actor: User) -> None:
    """Queue the normal reset email to the account's own inbox."""
    _require_admin(actor)
    _not_erased(user)
    if not user.active:
        raise AccountError("La cuenta está desactivada: reactívala antes de enviarle el enlace.")
    queue_reset_email(user, by_admin=True)
    audit("user.password_reset_sent", user, actor)
    db.session.commit()
