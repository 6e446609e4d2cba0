"""The worker process: `flask --app wsgi worker` delivers the outbox continuously and runs
the periodic jobs on their schedule in Lima time (APScheduler, in this one process).

Start one per deployment (systemd unit in deploy/, `make worker`, and `make run` starts
one beside the development server). Starting two by mistake is harmless: every run takes
its job's lease first (portal/jobs.py), so no job runs twice for one slot. Each job
records its last start, end, outcome and count, shown on /salud and /admin/tareas.

With BACKUP_PATH set it also backs the database up every night (portal/backup.py).

`flask --app wsgi worker --once` runs every job whose slot is due once and exits (for a
deployment that prefers cron, and for tests).
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal import backup, clock, jobs, mail
from portal.alerts import sending as alerts
from portal.apitokens import services as apitokens
from portal.applications.services import nudge
from portal.convenios.services import warn_ending
from portal.extensions import db
from portal.interviews.services import send_reminders as interview_reminders
from portal.openings.expiry import expire_due, warn_due
from portal.placements.services import schedule_due
from portal.privacy import deletion, retention
from portal.roster.imports import purge_old_previews
from portal.webhooks import sending as webhooks

log = logging.getLogger(__name__)

OUTBOX_EVERY = timedelta(seconds=5)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Schedule:
    """When a job runs: every `period` (aligned windows), or daily at `at` Lima time."""

    period: timedelta
    at: tuple[int, int] | None = None  # (hour, minute) in Lima, for daily jobs

    def trigger(self):
        if self.at is None:
            return "interval", {"seconds": self.period.total_seconds()}
        return CronTrigger(hour=self.at[0], minute=self.at[1], timezone=clock.LIMA), {}

    def slot(self, now: datetime) -> datetime:
        """The scheduled instant the run at `now` stands for (UTC, naive): the start of the
        current window, or the latest daily time that has passed."""
        if self.at is None:
            seconds = self.period.total_seconds()
            start = int(now.timestamp() // seconds * seconds)
            return datetime.fromtimestamp(start, UTC).replace(tzinfo=None)
        local = now.astimezone(clock.LIMA)
        at = local.replace(hour=self.at[0], minute=self.at[1], second=0, microsecond=0)
        if at > local:
            at -= DAY
        return at.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    schedule: Schedule
    run: Callable[[], int]
    ttl: timedelta = timedelta(minutes=30)  # a run longer than this is presumed dead


def _outbox() -> int:
    sent, _failed = mail.deliver_pending()
    return sent


def _expire() -> int:
    expired = expire_due()
    warn_due()
    return expired


def _followups() -> int:
    created, _emailed = schedule_due()
    return created


def _convenios() -> int:
    warned, ended = warn_ending()
    return warned + ended


def _retention() -> int:
    """Old sent emails, unconfirmed sign-ups, roster previews (they hold DNIs), webhook
    deliveries (their payloads do too) and the API's kept Idempotency-Key answers go."""
    return (retention.purge() + purge_old_previews() + webhooks.purge_old()
            + apitokens.purge_idempotency_keys())


TASKS = (
    Task("outbox", "Enviar los correos en cola", Schedule(OUTBOX_EVERY), _outbox, ttl=timedelta(minutes=5)),
    Task("alerts-immediate", "Enviar alertas de empleo inmediatas", Schedule(timedelta(minutes=1)),
         alerts.run_immediate, ttl=timedelta(minutes=10)),
    Task("webhooks", "Enviar los webhooks de los CETPRO", Schedule(timedelta(minutes=1)), webhooks.deliver_due,
         ttl=timedelta(minutes=20)),
    Task("alerts-digest", "Enviar resúmenes de alertas de empleo (diarios; semanales los lunes)",
         Schedule(DAY, at=(7, 30)), alerts.run_digests, ttl=timedelta(hours=3)),
    Task("interviews-remind", "Recordar entrevistas (24 h y 2 h antes)", Schedule(timedelta(minutes=5)),
         interview_reminders, ttl=timedelta(minutes=10)),
    Task("openings-expire", "Vencer ofertas y avisar plazos", Schedule(DAY, at=(0, 10)), _expire),
    Task("applications-nudge", "Recordar postulaciones sin respuesta", Schedule(DAY, at=(8, 0)), nudge),
    Task("followups-due", "Crear seguimientos de egresados", Schedule(DAY, at=(7, 0)), _followups),
    Task("convenios-warn", "Avisar convenios por vencer", Schedule(DAY, at=(7, 5)), _convenios),
    Task("accounts-purge", "Borrar cuentas sin confirmar, correos enviados, vistas previas y webhooks antiguos",
         Schedule(DAY, at=(3, 30)),
         _retention),
    Task("accounts-delete", "Eliminar cuentas al terminar su plazo de gracia", Schedule(DAY, at=(3, 40)),
         deletion.erase_due),
)


BACKUP = Task("backup", "Copia de seguridad (base de datos y archivos)", Schedule(DAY, at=(2, 30)),
              backup.scheduled_backup, ttl=timedelta(hours=3))


def active_tasks() -> tuple[Task, ...]:
    """The tasks this deployment runs: the backup only when BACKUP_PATH is set."""
    return TASKS + ((BACKUP,) if current_app.config.get("BACKUP_PATH") else ())


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_task(task: Task, owner: str) -> bool:
    """Run `task` for its current slot if this worker gets the lease; True if it ran."""
    slot = task.schedule.slot(clock.now())
    if not jobs.acquire(task.name, slot, owner, task.ttl):
        return False
    try:
        count = task.run()
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - recorded and shown; the next slot tries again
        db.session.rollback()
        log.exception("job %s failed", task.name)
        jobs.finish(task.name, owner, error=f"{type(error).__name__}: {error}")
    else:
        jobs.finish(task.name, owner, count=count)
        if count:
            log.info("job %s: %s", task.name, count)
    return True


def register_all() -> None:
    for task in active_tasks():
        jobs.register(task.name, task.title, task.schedule.period)


def run_due(owner: str) -> list[str]:
    """Every task whose slot has not run yet, once (catching up after a stop); the names run."""
    return [task.name for task in active_tasks() if run_task(task, owner)]


def _in_context(app: Flask, task: Task, owner: str) -> None:
    with app.app_context():
        try:
            run_task(task, owner)
        finally:
            db.session.remove()


def scheduler(app: Flask, owner: str) -> BlockingScheduler:
    """APScheduler with every task: one run at a time per task (coalesced if late)."""
    sched = BlockingScheduler(timezone=clock.LIMA, job_defaults={"coalesce": True, "max_instances": 1,
                                                                  "misfire_grace_time": 3600})
    with app.app_context():
        tasks = active_tasks()
    for task in tasks:
        trigger, options = task.schedule.trigger()
        sched.add_job(_in_context, trigger, args=(app, task, owner), id=task.name, name=task.title, **options)
    return sched


@click.command("worker")
@click.option("--once", is_flag=True, help="Ejecuta una vez las tareas pendientes y termina.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Envía los correos y ejecuta las tareas periódicas (vencimientos, avisos, seguimientos, limpieza)."""
    owner = owner_id()
    register_all()
    ran = run_due(owner)
    click.echo(f"Tareas ejecutadas al iniciar: {', '.join(ran) or 'ninguna'}.")
    db.session.remove()
    if once:
        return
    app = current_app._get_current_object()
    # APScheduler logs every run at INFO (each 5 s for the outbox); the jobs log their own
    # counts and failures, and /admin/tareas keeps the record.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    click.echo(f"Trabajador {owner} en marcha; Ctrl+C para detenerlo.")
    try:
        scheduler(app, owner).start()
    except (KeyboardInterrupt, SystemExit):
        pass
