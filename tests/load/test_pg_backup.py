"""Issue 7: a PostgreSQL backup restores. pg_dump -Fc of the portal's database (once
while people are writing, once at rest), pg_restore into a new database, and the data is
there: same rows at rest, and a consistent snapshot under writes."""
from __future__ import annotations

import subprocess
import time

import pytest
from sqlalchemy import create_engine, text

from tests.load.harness import Ledger, Stats, app_on, libpq_url, run_people, seed_world, trust, verify

pytestmark = [pytest.mark.load, pytest.mark.postgres_only]  # SQLite: tests/trust/test_backup.py


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=300)


def checksums(url: str) -> dict[str, tuple[int, str]]:
    """Rows and an md5 of all rows, per table of the public schema."""
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars().all()
        result = {}
        for table in tables:
            result[table] = tuple(connection.execute(text(
                f'SELECT count(*), coalesce(md5(string_agg(t::text, \'|\' ORDER BY t::text)), \'\') FROM "{table}" t')).one())
    engine.dispose()
    return result


def restore(dump, url: str, name: str) -> str:
    """pg_restore the dump into a new database `name` on the same server; its URL."""
    base = libpq_url(url).rsplit("/", 1)[0]
    drop(url, name)
    run("createdb", "--maintenance-db", f"{base}/postgres", name)
    run("pg_restore", "--no-owner", "--exit-on-error", "-d", f"{base}/{name}", str(dump))
    return url.rsplit("/", 1)[0] + f"/{name}"


def drop(url: str, name: str) -> None:
    base = libpq_url(url).rsplit("/", 1)[0]
    run("psql", "-q", "-d", f"{base}/postgres", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_pg_dump_restores_into_a_new_database(database, servers, tmp_path):
    world = seed_world(database, cetpros=1, students_per_cetpro=8, companies=2, openings_per_company=4)
    server = servers(database, workers=2)
    stats, ledger = Stats(), Ledger()
    live = tmp_path / "under-writes.dump"
    timing: dict[str, float] = {}

    def dump_while_writing(elapsed: float) -> None:
        if elapsed > 3 and "live" not in timing:
            started = time.monotonic()
            run("pg_dump", "-Fc", "--no-owner", "-f", str(live), libpq_url(database))
            timing["live"] = time.monotonic() - started

    run_people(server.port, world, 8, stats, ledger, students=6, employers=2, coordinators=1, during=dump_while_writing)
    server.stop()
    at_rest = tmp_path / "at-rest.dump"
    run("pg_dump", "-Fc", "--no-owner", "-f", str(at_rest), libpq_url(database))

    name = database.rsplit("/", 1)[1] + "_restored"
    try:
        restored = restore(at_rest, database, name)
        source, copy = checksums(database), checksums(restored)
        with app_on(restored):
            from sqlalchemy import select

            from portal.extensions import db
            from portal.models import Application, User

            found = {s["email"] for s in world.students} <= set(db.session.scalars(select(User.email)))
            applications = db.session.scalar(select(db.func.count()).select_from(Application))
        figures = verify(restored, ledger, strict=True)   # every acknowledged write is in the copy

        restored_live = restore(live, database, name)
        snapshot = verify(restored_live, None)             # a consistent moment under writes
    finally:
        drop(database, name)

    rows = sum(n for n, _ in source.values())
    trust(f"pg_dump -Fc of {database.rsplit('/', 1)[1]} with {rows} rows in {len(source)} tables, restored with "
          f"pg_restore into {name}: every table identical (rows and md5), {applications} applications, all "
          f"{len(world.students)} students found; every acknowledged write of the 8 s load is in the copy {figures}")
    trust(f"pg_dump taken in {timing['live']:.1f} s while people wrote ({stats.summary()}): restored copy is "
          f"consistent (every application has its history, notices and emails): {snapshot}")
    assert copy == source
    assert found and applications == figures["applications"] > 0
    assert not stats.server_errors
