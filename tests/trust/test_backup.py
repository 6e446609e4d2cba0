"""`flask --app wsgi backup PATH`: an online, consistent copy of a SQLite database."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from flask.cli import ScriptInfo

from portal.backup import BackupError, backup_command, backup_sqlite, sqlite_path
from portal.extensions import db


def _invoke(app, *args):
    return app.test_cli_runner().invoke(backup_command, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_backup_of_the_portal_database_holds_its_data(trust_app, world, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite backup command; PostgreSQL is backed up with pg_dump")
    target = tmp_path / "copia" / "enlace.db"
    result = _invoke(trust_app, str(target))
    assert result.exit_code == 0, result.output
    assert "Copia lista" in result.output
    restored = sqlite3.connect(target)
    try:
        emails = {row[0] for row in restored.execute("SELECT email FROM users")}
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        openings = restored.execute("SELECT count(*) FROM openings").fetchone()[0]
    finally:
        restored.close()
    assert {"trust.a1@example.pe", "trust.b2@example.pe", world.admin.email} <= emails
    assert openings == 4


def test_backup_is_consistent_while_another_connection_writes(tmp_path):
    """Every writer transaction inserts 10 rows of one batch; the copy holds whole batches only."""
    source = tmp_path / "live.db"
    setup = sqlite3.connect(source)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE rows (batch INTEGER, n INTEGER, filler TEXT)")
    setup.executemany("INSERT INTO rows VALUES (0, ?, ?)", [(n, "x" * 500) for n in range(2000)])
    setup.commit()
    setup.close()

    stop, committed = threading.Event(), []

    def write():
        connection = sqlite3.connect(source, timeout=15)
        batch = 1
        while not stop.is_set():
            with connection:
                connection.executemany("INSERT INTO rows VALUES (?, ?, ?)", [(batch, n, "y" * 500) for n in range(10)])
            committed.append(batch)
            batch += 1
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(committed) < 5:
            stop.wait(0.01)
        copies = [backup_sqlite(source, tmp_path / f"copy{i}.db", pages=8) for i in range(3)]
    finally:
        stop.set()
        writer.join()
    assert all(pages > 0 for pages in copies)
    for i in range(3):
        restored = sqlite3.connect(tmp_path / f"copy{i}.db")
        try:
            sizes = restored.execute("SELECT batch, count(*) FROM rows GROUP BY batch").fetchall()
        finally:
            restored.close()
        assert dict(sizes)[0] == 2000
        assert all(count == 10 for batch, count in sizes if batch), sizes
    assert committed, "the writer never wrote"


def test_postgresql_is_refused_in_spanish_pointing_at_pg_dump():
    with pytest.raises(BackupError, match="pg_dump"):
        sqlite_path("postgresql+psycopg://postgres@127.0.0.1:5432/enlace")


def test_refuses_to_copy_over_itself_or_from_nothing(tmp_path):
    with pytest.raises(BackupError, match="No existe"):
        backup_sqlite(tmp_path / "nada.db", tmp_path / "copia.db")
    source = tmp_path / "a.db"
    sqlite3.connect(source).close()
    with pytest.raises(BackupError, match="misma base"):
        backup_sqlite(source, source)
