"""The worker process: the outbox within seconds, daily jobs at their Lima time, a lease so
that two workers never run one slot twice, and a record of every run for /salud and
/admin/tareas."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from portal import clock, jobs, mail, worker
from portal.extensions import db
from portal.models import Job, OutboxEmail
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
EXPIRE = next(task for task in worker.TASKS if task.name == "openings-expire")


def _counting(name: str = "openings-expire", result: int = 3):
    calls = []

    def run() -> int:
        calls.append(clock.now())
        return result

    task = worker.Task(name, "Prueba", EXPIRE.schedule, run)
    jobs.register(task.name, task.title, task.schedule.period)
    return task, calls


def test_a_daily_slot_is_its_latest_lima_time_that_has_passed():
    daily = worker.Schedule(timedelta(days=1), at=(0, 10))
    before = datetime(2026, 12, 3, 0, 5, tzinfo=clock.LIMA)
    after = datetime(2026, 12, 3, 0, 15, tzinfo=clock.LIMA)
    # 00:10 in Lima is 05:10 UTC; slots are stored as naive UTC.
    assert daily.slot(before) == datetime(2026, 12, 2, 5, 10)
    assert daily.slot(after) == datetime(2026, 12, 3, 5, 10)
    every_5s = worker.Schedule(timedelta(seconds=5))
    assert every_5s.slot(datetime(2026, 12, 3, 12, 0, 7, tzinfo=clock.LIMA)) == datetime(2026, 12, 3, 17, 0, 5)


def test_two_workers_run_a_slot_once_and_the_next_slot_again(app, frozen_clock):
    frozen_clock(datetime(2026, 12, 3, 0, 20))
    task, calls = _counting()
    assert worker.run_task(task, "host-a:1") is True
    assert worker.run_task(task, "host-b:2") is False  # same slot: already run
    assert len(calls) == 1
    frozen_clock(datetime(2026, 12, 4, 0, 11))  # tomorrow's 00:10 has passed
    assert worker.run_task(task, "host-b:2") is True
    assert len(calls) == 2


def test_a_held_lease_keeps_other_workers_out_until_it_expires(app, frozen_clock):
    frozen_clock(datetime(2026, 12, 3, 0, 20))
    task, calls = _counting()
    # Host A takes the job for two days and dies (or is still running).
    assert jobs.acquire(task.name, task.schedule.slot(clock.now()), "host-a:1", timedelta(days=2))
    frozen_clock(datetime(2026, 12, 4, 0, 11))  # the next slot, A's lease still live
    assert worker.run_task(task, "host-b:2") is False
    frozen_clock(datetime(2026, 12, 5, 0, 21))  # A's lease has expired
    assert worker.run_task(task, "host-b:2") is True
    assert len(calls) == 1


def test_each_run_is_recorded_with_its_outcome_and_count(app, frozen_clock):
    frozen_clock(datetime(2026, 12, 3, 0, 20))
    task, _ = _counting(result=4)
    worker.run_task(task, "host-a:1")
    job = db.session.get(Job, task.name)
    db.session.refresh(job)
    assert (job.last_outcome, job.last_count, job.last_error, job.lease_owner) == ("ok", 4, None, None)
    assert job.last_success_at == job.last_finished_at == clock.utcnow()

    def broken() -> int:
        raise RuntimeError("la base no respondió")

    frozen_clock(datetime(2026, 12, 4, 0, 20))
    worker.run_task(worker.Task(task.name, task.title, task.schedule, broken), "host-a:1")
    db.session.refresh(job)
    assert job.last_outcome == "error" and job.last_error == "RuntimeError: la base no respondió"
    assert job.last_success_at == datetime(2026, 12, 3, 5, 20)  # the last success stays


def test_a_job_late_twice_its_period_makes_health_degraded_and_shows_on_the_admin_page(app, client, auth,
                                                                                           frozen_clock):
    frozen_clock(datetime(2026, 12, 3, 0, 20))
    task, _ = _counting()
    worker.run_task(task, "host-a:1")
    frozen_clock(datetime(2026, 12, 4, 23, 0))  # 46 h later: within two days
    assert client.get("/salud").json["status"] == "ok"
    frozen_clock(datetime(2026, 12, 5, 1, 0))  # 48 h 40 min without success
    health = client.get("/salud")
    assert health.status_code == 200
    assert health.json["status"] == "degraded" and health.json["jobs"] == "late: openings-expire"
    auth.login(factories.admin())
    page = client.get("/admin/tareas").get_data(as_text=True)
    assert "1 tarea atrasada: Prueba." in page and "Atrasada" in page


def test_worker_once_delivers_the_outbox_and_runs_each_daily_job_once(app, runner, frozen_clock):
    frozen_clock(datetime(2026, 12, 3, 9, 0))
    mail.queue("rosa@example.pe", "Tu postulación fue vista", "Hola Rosa.")
    db.session.commit()
    first = runner.invoke(args=["worker", "--once"])
    assert first.exit_code == 0, first.output
    assert "outbox" in first.output and "openings-expire" in first.output
    assert db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_not(None))) == 1
    states = {state.job.name: state.job for state in jobs.states()}
    assert set(states) == {task.name for task in worker.TASKS}
    assert all(job.last_outcome == "ok" for job in states.values())
    # The same instant again (another worker, or a restart): every slot has run already.
    again = runner.invoke(args=["worker", "--once"])
    assert "Tareas ejecutadas al iniciar: ninguna." in again.output


def test_two_worker_processes_started_together_send_an_email_once(app, database_url):
    mail.queue("rosa@example.pe", "Confirma tu correo", "Hola Rosa.")
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_BACKEND": "console", "PORTAL_ENV": "development"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    db.session.expire_all()
    email = db.session.scalar(select(OutboxEmail))
    assert email.sent_at is not None and email.attempts == 1
    ran = [line for output in outputs for line in output.splitlines() if line.startswith("Tareas ejecutadas")]
    # Each daily job ran in exactly one of the two processes. The outbox may run in both
    # when they straddle two 5-second windows (two slots), yet the email went out once.
    names = [name for line in ran for name in line.split(": ", 1)[1].rstrip(".").split(", ")
             if name not in ("ninguna", "outbox")]
    assert sorted(names) == sorted(task.name for task in worker.TASKS if task.name != "outbox")


def test_the_data_rights_jobs_erase_accounts_past_their_grace_and_purge_old_email(app, frozen_clock):
    """accounts-delete erases an account whose grace period ended (portal/privacy/deletion.py);
    accounts-purge drops sent emails older than OUTBOX_RETENTION_DAYS and unconfirmed sign-ups."""
    from portal.models import User
    from portal.privacy import deletion

    tasks = {task.name: task for task in worker.TASKS}
    frozen_clock(datetime(2026, 12, 1, 9, 0))
    student = factories.student(email="rosa.quispe@example.pe")
    deletion.request_deletion(student, factories.PASSWORD)
    sent = mail.queue("otra@example.pe", "Aviso", "Hola.")
    sent.sent_at = clock.utcnow()
    db.session.commit()
    worker.register_all()
    frozen_clock(datetime(2026, 12, 3, 9, 0))  # within the 7-day grace period
    assert worker.run_task(tasks["accounts-delete"], "host-a:1")
    assert db.session.get(User, student.id).deleted_at is None
    frozen_clock(datetime(2026, 12, 9, 9, 0))
    assert worker.run_task(tasks["accounts-delete"], "host-a:1")
    db.session.expire_all()
    assert db.session.get(User, student.id).full_name == "Cuenta eliminada"
    assert db.session.get(Job, "accounts-delete").last_count == 1
    frozen_clock(datetime(2027, 1, 5, 9, 0))  # the sent email is 35 days old
    assert worker.run_task(tasks["accounts-purge"], "host-a:1")
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_registering_a_job_another_worker_just_made_is_not_an_error(app, monkeypatch):
    """Two workers starting together both find no row and both insert it: the second one's
    insert fails on the primary key, and it updates the row instead of crashing."""
    jobs.register("outbox", "Enviar los correos en cola", timedelta(seconds=5))
    real_get = db.session.get
    monkeypatch.setattr(db.session, "get", lambda model, key, **kw: None if model is Job else real_get(model, key, **kw))
    jobs.register("outbox", "Enviar los correos (nuevo título)", timedelta(seconds=10))
    monkeypatch.undo()
    db.session.expire_all()
    job = db.session.get(Job, "outbox")
    assert (job.title, job.period_seconds) == ("Enviar los correos (nuevo título)", 10)
