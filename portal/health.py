"""What a load balancer and an operator ask: is this process able to serve?

`/salud` answers from `report()`. The database is required: without it nothing works, so
the answer is 503 and the balancer stops sending traffic here. The rate-limit store
(Redis in production) is not: when it is unreachable, Flask-Limiter counts in this
process's memory instead (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), sign-in keeps working,
and the answer is 200 with status "degraded" and the reason, so monitoring sees it. So
is a periodic job of the worker that has not succeeded for twice its period (portal/jobs.py).
"""
from __future__ import annotations

import logging
from datetime import UTC

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from portal import jobs
from portal.clock import utcnow
from portal.extensions import db, limiter
from portal.models import OutboxEmail

log = logging.getLogger(__name__)

OK, DEGRADED, ERROR = "ok", "degraded", "error"


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return "unreachable"
    return OK


def _rate_limits() -> str:
    """The shared store answers a ping (its own timeouts bound the wait)."""
    try:
        healthy = limiter.storage.check()
    except Exception:  # noqa: BLE001 - any storage failure is the same answer for an operator
        healthy = False
    return OK if healthy else "unreachable"


def _jobs() -> str:
    """The worker's periodic jobs: "late: a, b" when one has not succeeded for twice its period."""
    try:
        late = jobs.late()
    except SQLAlchemyError:  # e.g. a database not yet migrated
        db.session.rollback()
        return "unreadable"
    return f"late: {', '.join(late)}" if late else OK


def report() -> tuple[str, dict[str, str]]:
    """(status, checks): "error" when a required part is down, "degraded" when an optional one is."""
    checks = {"database": _database(), "rate_limits": _rate_limits()}
    if checks["database"] == OK:
        checks["jobs"] = _jobs()
    if checks["database"] != OK:
        status = ERROR
    elif any(state != OK for state in checks.values()):
        status = DEGRADED
    else:
        status = OK
    if status != OK:
        problems = ", ".join(f"{name} {state}" for name, state in checks.items() if state != OK)
        log.warning("health %s: %s", status, problems)
    return status, checks


def facts() -> dict:
    """What /metrics reads from the database at each scrape: the outbox's backlog, the age
    of its oldest waiting email, the failed ones, and each job's last success (Unix time)."""
    waiting = (OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_(None))
    pending, oldest = db.session.execute(
        select(func.count(), func.min(OutboxEmail.created_at)).where(*waiting)).one()
    failed = db.session.scalar(select(func.count()).where(OutboxEmail.failed_at.is_not(None)))
    return {
        "pending": pending,
        "oldest_seconds": (utcnow() - oldest).total_seconds() if oldest else 0,
        "failed": failed,
        "jobs": {state.job.name: state.job.last_success_at.replace(tzinfo=UTC).timestamp()
                 for state in jobs.states() if state.job.last_success_at},
    }
