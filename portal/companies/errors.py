"""The errors of the companies services: a broken rule, and an actor who may not act."""
from __future__ import annotations


class CompanyError(ValueError):
    """A rule broken by the data given. `errors` maps form fields to their messages."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors if errors is not None else ({field: message} if field else {})


class NotAllowed(CompanyError):
    """The actor may not do this to this company (the views answer 404)."""
