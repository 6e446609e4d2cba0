"""The worker's nightly backup (BACKUP_PATH): off by default; when set, a run makes a
backup that restores to a database holding the uploaded files, and old backups go.

Runs on the database of the pass: a SQLite copy in the SQLite pass, `pg_dump -Fc` restored
with `pg_restore` into a fresh database in the PostgreSQL pass."""
from __future__ import annotations

import sqlite3
import subprocess

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import backup, uploads, worker
from portal.extensions import db
from portal.models import Job
from tests import factories
from tests.helpers.files import minimal_pdf


def _restored_file(path, database_uri: str, key: str) -> bytes | None:
    """The bytes a backup holds for the stored file `key`, read after restoring it."""
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(path) as copy:
            row = copy.execute("SELECT content FROM stored_files WHERE key = ?", (key,)).fetchone()
        return row and bytes(row[0])
    name = f"{url.database}_restored"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    restored = url.set(database=name)
    libpq = restored.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={libpq}", str(path)], check=True, capture_output=True)
    engine = create_engine(restored)
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT content FROM stored_files WHERE key = :key"), {"key": key})
            row = found.first()
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()
    return row and bytes(row[0])


def test_no_backup_job_unless_a_folder_is_configured(app):
    assert app.config["BACKUP_PATH"] == ""
    assert "backup" not in {task.name for task in worker.active_tasks()}


def test_the_nightly_backup_carries_the_uploaded_files_and_keeps_the_newest(app, tmp_path):
    folder = tmp_path / "copias"
    app.config.update(BACKUP_PATH=str(folder), BACKUP_KEEP=2)
    student = factories.student()
    key = uploads.store_bytes(minimal_pdf("CV de respaldo"), "cv", "pdf")
    student.student.cv_path = key
    db.session.commit()
    # Three older backups of this deployment, and a file of someone else's that stays.
    for day in ("2026-11-01-0230", "2026-11-02-0230", "2026-11-03-0230"):
        (folder / f"enlace-{day}.db").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"enlace-{day}.db").write_bytes(b"vieja")
    (folder / "notas.txt").write_text("no es una copia")

    worker.register_all()
    assert "backup" in worker.run_due(worker.owner_id())

    job = db.session.get(Job, "backup")
    assert job.last_outcome == "ok" and job.last_count == 1, job.last_error
    made = sorted(p.name for p in folder.iterdir())
    assert len(made) == 3 and "notas.txt" in made and "enlace-2026-11-03-0230.db" in made
    newest = folder / max(name for name in made if name.startswith("enlace-") and "2026-11" not in name)
    assert _restored_file(newest, app.config["SQLALCHEMY_DATABASE_URI"], key) == minimal_pdf("CV de respaldo")


def test_a_failed_backup_is_recorded_with_its_reason(app, tmp_path):
    blocker = tmp_path / "no-es-carpeta"
    blocker.write_text("x")  # a file where the folder should be
    app.config.update(BACKUP_PATH=str(blocker))
    worker.register_all()
    assert "backup" in worker.run_due(worker.owner_id())
    job = db.session.get(Job, "backup")
    assert job.last_outcome == "error" and "Error" in job.last_error


def test_pg_dump_missing_is_explained_in_spanish(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump anywhere
    try:
        backup.dump_postgresql(make_url("postgresql+psycopg://enlace:secreto@127.0.0.1/enlace"), tmp_path / "x.dump")
    except backup.BackupError as error:
        assert "pg_dump" in str(error) and "postgresql-client" in str(error)
    else:
        raise AssertionError("a backup without pg_dump must fail")
    assert not list(tmp_path.iterdir())
