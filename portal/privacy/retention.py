"""Personal data kept no longer than it serves (Ley 29733, principio de proporcionalidad):
emails already sent (or given up on) hold people's names and sign-in links, and a sign-up
nobody confirmed holds an email, a DNI or a RUC someone may have typed for another person.
The worker purges both every night, after OUTBOX_RETENTION_DAYS and
UNCONFIRMED_RETENTION_DAYS."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_

from portal import clock
from portal.accounts.registration import purge_unconfirmed
from portal.extensions import db
from portal.models import OutboxEmail


def purge_outbox(days: int | None = None, now: datetime | None = None) -> int:
    """Delete emails sent, or given up on, more than `days` days ago; how many. Pending
    ones (still to be sent or retried) stay whatever their age."""
    days = days or current_app.config.get("OUTBOX_RETENTION_DAYS", 30)
    cutoff = (now or clock.utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(OutboxEmail).where(or_(OutboxEmail.sent_at < cutoff,
                                                              OutboxEmail.failed_at < cutoff)))
    db.session.commit()
    return result.rowcount or 0


def purge_unconfirmed_accounts(now: datetime | None = None) -> int:
    """Remove self-registered accounts unconfirmed for UNCONFIRMED_RETENTION_DAYS; how many."""
    removed, _kept = purge_unconfirmed(current_app.config.get("UNCONFIRMED_RETENTION_DAYS", 7), now)
    return removed


def purge(now: datetime | None = None) -> int:
    """The nightly retention job: old emails and unconfirmed sign-ups; how many rows went."""
    return purge_outbox(now=now) + purge_unconfirmed_accounts(now)
