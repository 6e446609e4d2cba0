"""Backups. `flask --app wsgi backup PATH`: a consistent online copy of the SQLite
database; and the worker's nightly backup (`backup_now`, when BACKUP_PATH is set).

SQLite is copied with its online backup API, so the portal keeps serving (and writing)
while the copy is made and the copy is one consistent moment of the database. PostgreSQL
is dumped with its own tool, `pg_dump -Fc` (one consistent snapshot as well). Uploaded
files live in the database (portal/uploads.py), so every backup carries them.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import URL, make_url

from portal import clock


class BackupError(Exception):
    pass


def sqlite_path(database_uri: str) -> Path:
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "Este comando solo copia bases SQLite. Para PostgreSQL usa pg_dump: "
            'pg_dump -Fc "$DATABASE_URL" > enlace-$(date +%F).dump (se restaura con pg_restore).'
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("La base SQLite está en memoria: no hay archivo que copiar.")
    return Path(url.database)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy `source` into `target` with the backup API; returns the copy's page count."""
    if not source.is_file():
        raise BackupError(f"No existe la base de datos {source}.")
    if target.resolve() == source.resolve():
        raise BackupError("La copia no puede ir sobre la misma base de datos.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=15)
    dst = sqlite3.connect(partial)
    try:
        src.execute("PRAGMA busy_timeout=15000")
        # One step, one read transaction: in WAL mode writers go on meanwhile and the copy
        # is the database at one moment. (Copying in small steps restarts the copy whenever
        # another connection writes, and under steady writes it never finishes.)
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
        count = dst.execute("PRAGMA page_count").fetchone()[0]
        problem = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        src.close()
        dst.close()
    if problem != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"La copia no pasó la verificación de integridad: {problem}")
    partial.replace(target)  # atomic: nobody finds half a backup under the final name
    return count


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copia la base SQLite en PATH sin detener el portal (para PostgreSQL, usa pg_dump)."""
    try:
        source = sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
        pages = backup_sqlite(source, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Copia lista: {path} ({pages} páginas).")


_BACKUP_NAME = re.compile(r"^enlace-\d{4}-\d{2}-\d{2}-\d{4}\.(db|dump)$")
PG_DUMP_TIMEOUT = 3 * 3600


def dump_postgresql(url: URL, target: Path) -> None:
    """`pg_dump -Fc` of the database `url` names into `target` (atomic, like the SQLite copy).
    The password goes through the environment, never the command line (`ps` shows that)."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    try:
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={libpq}"],
                       check=True, capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT, env=environment)
    except FileNotFoundError as error:
        raise BackupError("No encontramos pg_dump: instala el cliente de PostgreSQL "
                          "(paquete postgresql-client) en el servidor del worker.") from error
    except subprocess.CalledProcessError as error:
        partial.unlink(missing_ok=True)
        detail = (error.stderr or "").strip().splitlines()[-1:] or ["sin detalle"]
        raise BackupError(f"pg_dump falló: {detail[0][:300]}") from error
    except subprocess.TimeoutExpired as error:
        partial.unlink(missing_ok=True)
        raise BackupError("pg_dump no terminó a tiempo.") from error
    partial.replace(target)


def prune(folder: Path, keep: int) -> int:
    """Delete all but the newest `keep` backups made here (by their names); how many went."""
    made = sorted(p for p in folder.iterdir() if _BACKUP_NAME.match(p.name))
    old = made[:-keep] if keep > 0 else made
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


def backup_now(database_uri: str, folder: Path, keep: int) -> Path:
    """Back the database up into `folder` as enlace-<Lima date and time>.db|.dump, then keep
    the newest `keep`. Raises BackupError (in Spanish) when it cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    now = clock.now()
    stamp = f"{now.date().isoformat()}-{now.hour:02d}{now.minute:02d}"  # a file name, not for people
    url = make_url(database_uri)
    if url.get_backend_name() == "postgresql":
        target = folder / f"enlace-{stamp}.dump"
        dump_postgresql(url, target)
    else:
        target = folder / f"enlace-{stamp}.db"
        backup_sqlite(sqlite_path(database_uri), target)
    prune(folder, keep)
    return target


def scheduled_backup() -> int:
    """The worker's nightly job (registered only when BACKUP_PATH is set); 1 backup made."""
    config = current_app.config
    backup_now(config["SQLALCHEMY_DATABASE_URI"], Path(config["BACKUP_PATH"]), config["BACKUP_KEEP"])
    return 1
