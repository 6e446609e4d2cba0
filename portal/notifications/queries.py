"""Reading a user's notifications, newest first, a page at a time."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Notification

PER_PAGE = 20


@dataclass
class Page:
    items: list[Notification]
    page: int
    total: int
    unread: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def shown(self) -> int:
        """How many a reader has seen after loading pages 1..page in place."""
        return min(self.page * self.per_page, self.total)

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
        keep = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        for number in range(1, self.pages + 1):
            if number in keep:
                numbers.append(number)
            elif numbers and numbers[-1] is not None:
                numbers.append(None)
        return numbers


def page_of(user_id: int, page: int = 1) -> Page:
    """One page of the user's notifications, newest first (ids grow with time)."""
    counts = db.session.execute(
        select(func.count(), func.count(Notification.id).filter(Notification.read_at.is_(None)))
        .select_from(Notification)
        .where(Notification.user_id == user_id)
    ).one()
    total, unread = counts[0] or 0, counts[1] or 0
    page = max(1, min(page, max(1, -(-total // PER_PAGE))))
    items = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return Page(items=items, page=page, total=total, unread=unread)


def owned(user_id: int, notification_id: int) -> Notification | None:
    """The notification if it belongs to this user; another user's does not exist for them."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    )
