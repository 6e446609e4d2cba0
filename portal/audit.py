"""The audit trail: who did what to which row, added to the caller's transaction."""
from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent, User


def audit(action: str, obj, actor: User | None = None, **data) -> None:
    """Record `action` on `obj` by `actor` (None: the system). Not committed: the caller's
    commit writes the event with the change it records, and a rollback leaves neither."""
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=type(obj).__name__,
            object_id=getattr(obj, "id", None),
            data=data or None,
        )
    )
