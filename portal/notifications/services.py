"""Writing notifications: one row per notice, and its email through the outbox.

`notify()` only adds rows to the session, like `portal.mail.queue`: the caller's
commit writes the change, the notification and the email together, and a
rollback leaves none of them. `mark_read()` is a whole action and commits.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from sqlalchemy import bindparam, func, select, update

from portal import links, mail
from portal.clock import utcnow
from portal.extensions import db
from portal.models import Notification, User
from portal.redirects import safe_target

# Kinds in use: application-received, application-updated, application-finished,
# applications-waiting, applications-deadline, nomination, opening-reported,
# opening-suspended, opening-reinstated, report-settled, company-suspended, company-reinstated,
# application-restored, company-verified, student-registered, student-changed, member-requested,
# rmv-changed, interview-proposed, interview-confirmed, interview-reschedule, interview-cancelled,
# interview-reminder.
KIND = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
MESSAGE_MAX = 500  # Notification.message
SUBJECT_MAX = 200  # OutboxEmail.subject


def is_local_path(url: str | None) -> bool:
    """Whether `url` is a path on this site ("/empresa"), never another host ("//x", "https://x")."""
    return safe_target(url) is not None


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def email_body(user: User, body: str, url: str | None) -> str:
    """The whole email: greeting, the caller's text, an absolute link and why it arrived."""
    inbox = links.external("notifications.index")
    link = links.absolute(url) if url else inbox
    return (
        f"Hola {user.first_names}:\n\n{body.strip()}\n\n{link}\n\n"
        f"--\nEnlace CETPRO. Recibes este correo porque tienes una cuenta en el portal; "
        f"todos tus avisos están en {inbox}\n"
    )


def notify(user_id: int, kind: str, message: str, url: str | None = None,
           email: tuple[str, str] | None = None, attachments: list[dict] | None = None) -> Notification:
    """Add a notification for a user and, given `email=(subject, body)`, queue its email.

    Nothing is committed here: the caller commits with the change being reported.
    `url` is a path on this site ("/estudiante/postulaciones"); the email links to it.
    `attachments` go with the email (portal.mail.attachment: an interview's .ics).
    """
    if not KIND.fullmatch(kind) or len(kind) > 40:
        raise ValueError(f"notification kind must be a short identifier like 'application-updated': {kind!r}")
    if url is not None and (not is_local_path(url) or len(url) > 255):
        raise ValueError(f"notification url must be a path on this site: {url!r}")
    notification = Notification(user_id=user_id, kind=kind, message=_shorten(message, MESSAGE_MAX), url=url)
    db.session.add(notification)
    if email is not None:
        user = db.session.get(User, user_id)
        if user is None:
            raise ValueError(f"no user {user_id} to notify")
        if user.active:  # a deactivated account gets no more email
            subject, body = email
            mail.queue(user.email, _shorten(subject, SUBJECT_MAX), email_body(user, body, url),
                       attachments=attachments)
    return notification


def _user_id(user: User | int) -> int:
    return user if isinstance(user, int) else user.id


def unread_count(user: User | int) -> int:
    """Unread notifications of a user: one COUNT on the (user_id, read_at) index."""
    return db.session.scalar(_UNREAD, {"user_id": _user_id(user)}) or 0


# Built once (every page's header asks it), the user bound at execution.
_UNREAD = select(func.count()).select_from(Notification).where(
    Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))


def mark_read(user: User | int, ids: Iterable[int] | Literal["all"]) -> int:
    """Mark the user's own notifications read (some ids, or "all") and commit.

    Others' ids are ignored, and already read ones keep their first reading time.
    Returns how many changed.
    """
    query = update(Notification).where(Notification.user_id == _user_id(user), Notification.read_at.is_(None))
    if ids != "all":
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        query = query.where(Notification.id.in_(wanted))
    result = db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0
