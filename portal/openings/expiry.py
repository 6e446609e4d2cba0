"""Deadlines: a published opening whose deadline has passed becomes `expired`.

Two ways, so no page ever shows a past-deadline opening as open: `flask --app wsgi
openings expire` (cron, one UPDATE for all), and on read (the listing leaves such
openings out; the detail page expires the one it shows). Expiry is not closing: the
applications already received stay as they are, the employer keeps deciding.
"""
from __future__ import annotations

from sqlalchemy import update

from portal import clock
from portal.clock import utcnow
from portal.extensions import db
from portal.models import Opening


def _expire(*where) -> int:
    result = db.session.execute(
        update(Opening)
        .where(Opening.state == "published", Opening.deadline < clock.today(), *where)
        # A version bump, so an edit form loaded before the expiry is refused as stale.
        .values(state="expired", version=Opening.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def expire_due() -> int:
    """Expire every published opening whose deadline has passed; returns how many."""
    return _expire()


def expire_if_due(opening: Opening) -> bool:
    """Expire this opening if its deadline has passed (cheap: one UPDATE by id)."""
    if opening.state != "published" or opening.deadline is None or opening.deadline >= clock.today():
        return False
    return _expire(Opening.id == opening.id) > 0
