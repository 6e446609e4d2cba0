"""Reading a user's notifications, newest first, a page at a time."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Notification
from portal.paging import Page, last_page

PER_PAGE = 20


def page_of(user_id: int, page: int = 1) -> Page[Notification]:
    """One page of the user's notifications, newest first (ids grow with time)."""
    counts = db.session.execute(
        select(func.count(), func.count(Notification.id).filter(Notification.read_at.is_(None)))
        .select_from(Notification)
        .where(Notification.user_id == user_id)
    ).one()
    total, unread = counts[0] or 0, counts[1] or 0
    page = max(1, min(page, last_page(total, PER_PAGE)))
    items = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return Page(items=items, total=total, page=page, per_page=PER_PAGE, extra={"unread": unread})


def owned(user_id: int, notification_id: int) -> Notification | None:
    """The notification if it belongs to this user; another user's does not exist for them."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    )
