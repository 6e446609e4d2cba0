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


def test_backup_of_a_portal_database_holds_its_data(tmp_path):
    """A real portal database (migrated, with reference data and a user) copied and reopened.

    Built on its own SQLite file, so it runs in the PostgreSQL pass of CI too.
    """
    from flask_migrate import upgrade

    from portal import create_app
    from portal.models import User
    from portal.reference.seed import seed_reference

    source = tmp_path / "enlace.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{source}", "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        seed_reference()
        db.session.add(User(email="copia@example.pe", role="admin", first_names="Copia", password_hash="x"))
        db.session.commit()
        target = tmp_path / "copia" / "enlace.db"
        result = _invoke(app, str(target))
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "Copia lista" in result.output
    restored = sqlite3.connect(target)
    try:
        emails = {row[0] for row in restored.execute("SELECT email FROM users")}
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        families = restored.execute("SELECT count(*) FROM families").fetchone()[0]
    finally:
        restored.close()
    assert emails == {"copia@example.pe"}
    assert families == 18


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
        copies = [backup_sqlite(source, tmp_path / f"copy{i}.db") for i in range(3)]
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
