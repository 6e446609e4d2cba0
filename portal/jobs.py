"""Periodic jobs' leases and records: what lets several workers share one schedule.

The worker process (portal/worker.py) decides *when* a job runs; this module decides
*whether this worker may run it now* and keeps what an operator asks afterwards: when it
last started and ended, how it went, how much it did.

A run belongs to a slot: the scheduled instant it stands for (00:10 Lima today for the
daily expiry, the current 5-second window for the outbox). `acquire` is one UPDATE that
takes the job's row only when nobody holds a live lease *and* that slot has not run yet,
so two workers started by mistake never run one job at once nor the same slot twice, on
SQLite and PostgreSQL alike (no advisory locks needed). A worker that dies mid-run
leaves a lease that expires after `ttl`; the next slot then runs elsewhere.

A job is late when nothing succeeded for twice its period (and at least a minute):
/salud then says "degraded", and /admin/tareas shows it in red.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Job

MIN_LATENESS = timedelta(minutes=1)
ERROR_LENGTH = 500


def register(name: str, title: str, period: timedelta) -> None:
    """Make (or update) the job's row: its title and period as this worker runs it."""
    seconds = int(period.total_seconds())
    if db.session.get(Job, name) is None:
        db.session.add(Job(name=name, title=title, period_seconds=seconds, registered_at=utcnow()))
        try:
            db.session.commit()
            return
        except IntegrityError:  # another worker starting at the same moment made it first
            db.session.rollback()
    db.session.execute(update(Job).where(Job.name == name).values(title=title, period_seconds=seconds)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def acquire(name: str, slot: datetime, owner: str, ttl: timedelta) -> bool:
    """Take the job for `slot` (UTC, naive); False when another worker holds it or ran it."""
    now = utcnow()
    taken = db.session.execute(
        update(Job)
        .where(Job.name == name,
               or_(Job.lease_until.is_(None), Job.lease_until < now),
               or_(Job.last_slot.is_(None), Job.last_slot < slot))
        .values(lease_owner=owner, lease_until=now + ttl, last_slot=slot, last_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def finish(name: str, owner: str, count: int | None = None, error: str | None = None) -> None:
    """Record the run's end and let go of the lease (only this owner's)."""
    now = utcnow()
    values = {"lease_owner": None, "lease_until": None, "last_finished_at": now,
              "last_outcome": "error" if error else "ok", "last_count": count,
              "last_error": error[:ERROR_LENGTH] if error else None}
    if not error:
        values["last_success_at"] = now
    db.session.execute(update(Job).where(Job.name == name, Job.lease_owner == owner).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


@dataclass(frozen=True)
class JobState:
    job: Job
    late: bool
    running: bool


def _late(job: Job, now: datetime) -> bool:
    allowed = max(2 * timedelta(seconds=job.period_seconds), MIN_LATENESS)
    return now - (job.last_success_at or job.registered_at) > allowed


def states() -> list[JobState]:
    """Every job the workers registered, by name, with whether it is late or running now."""
    now = utcnow()
    return [JobState(job, _late(job, now), bool(job.lease_until and job.lease_until > now))
            for job in db.session.scalars(select(Job).order_by(Job.name))]


def late() -> list[str]:
    return [state.job.name for state in states() if state.late]
