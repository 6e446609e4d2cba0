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

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import jobs
from portal.extensions import db, limiter

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
