"""`flask --app wsgi backup PATH`: a consistent online copy of the SQLite database.

It uses SQLite's online backup API, so the portal keeps serving (and writing) while the
copy is made and the copy is one consistent moment of the database. PostgreSQL has its
own tool: `pg_dump -Fc`, as the README says.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url


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
