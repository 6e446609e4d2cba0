"""The rules every accounts module shares: the error a broken rule raises (naming its form
field), an email's one spelling, and one account per email."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import User


class AccountError(ValueError):
    """A rule broken by the data given; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == normalize_email(email))) is not None
