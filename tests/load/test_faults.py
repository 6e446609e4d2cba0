"""Issue 7: faults under load. A gunicorn worker killed mid-request, PostgreSQL stopped
and started again while people keep clicking, and SQLite's WAL and busy timeout."""
from __future__ import annotations

import os
import signal
import time

import pytest
from sqlalchemy import text

from tests.load.harness import (
    UNAVAILABLE,
    Gunicorn,
    Ledger,
    PrivateCluster,
    Session,
    Stats,
    Write,
    app_on,
    build_schema,
    first_traceback,
    log_problems,
    run_people,
    seed_world,
    trust,
    verify,
)

pytestmark = pytest.mark.load


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    """Every connection the app opens: WAL (readers never wait for the writer), a wait
    for the write lock instead of 'database is locked', and the file read through a memory map."""
    with app_on(f"sqlite:///{tmp_path / 'pragmas.db'}") as app:
        from portal.extensions import db

        with db.engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar()
            timeout = connection.execute(text("PRAGMA busy_timeout")).scalar()
            foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
            mmap_size = connection.execute(text("PRAGMA mmap_size")).scalar()
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["timeout"] >= 5
    trust(f"SQLite connection: journal_mode={mode}, busy_timeout={timeout} ms, foreign_keys={foreign_keys}")
    assert mode == "wal"
    assert timeout >= 5000
    assert foreign_keys == 1
    assert mmap_size > 0  # pages read through a memory map, not a read() each


def test_a_worker_killed_mid_load_loses_no_acknowledged_write(database, label, servers):
    world = seed_world(database)
    stats, ledger = Stats(), Ledger()
    server = servers(database, workers=4)
    killed: list[int] = []

    def kill_a_worker(elapsed: float) -> None:
        # Three kills, 4 s apart: every worker is busy with 16 people, so each dies mid-request.
        if len(killed) < 3 and elapsed > 4 * (len(killed) + 1):
            pids = server.worker_pids()
            if pids:
                victim = pids[len(killed) % len(pids)]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

    run_people(server.port, world, 16, stats, ledger, students=10, employers=4, coordinators=2,
               during=kill_a_worker)
    # gunicorn's master starts a new worker for each one killed; the service goes on.
    deadline = time.monotonic() + 30
    while (len(server.worker_pids()) < 4 or set(killed) & set(server.worker_pids())) and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = server.worker_pids()
    after = Session(server.port, stats, "after")
    answers = [after.get("/ofertas", "after the kills").status for _ in range(8)]
    log = server.log()
    server.stop()
    figures = verify(database, ledger, strict=False)

    trust(f"worker kills on {label}: {len(killed)} SIGKILLs during 16 s of load; {stats.summary()}; "
          f"writes acknowledged {len(ledger.acked)}, answers lost with a worker {len(ledger.unknown)}; "
          f"workers afterwards {len(workers)}, none of them killed; {figures}")
    assert not stats.server_errors, (stats.server_errors[:5], first_traceback(log))
    assert len(killed) == 3
    assert len(workers) == 4 and not set(killed) & set(workers)
    assert answers == [200] * 8
    assert not stats.locked
    assert not log_problems(log), log_problems(log)[:20]


@pytest.mark.postgres_only  # a private cluster is started
def test_postgresql_restarted_during_load(tmp_path):
    cluster = PrivateCluster().init()
    try:
        build_schema(cluster.url)
        world = seed_world(cluster.url)
        stats, ledger = Stats(), Ledger()
        server = Gunicorn(cluster.url, tmp_path, workers=4).start()
        window: dict[str, float] = {}
        probes: dict[str, tuple[int, str]] = {}
        killed: list[int] = []
        first = server.worker_pids()
        prober = Session(server.port, stats, "prober")
        prober.login(world.students[-1]["email"])

        def probe(name, call):
            answer = call()
            probes[name] = (answer.status, answer.text)

        def outage(elapsed: float) -> None:
            if "stop" not in window and elapsed > 5:
                cluster.stop()
                window["stop"] = time.monotonic()
            elif "stop" in window and "probed" not in window and time.monotonic() - window["stop"] > 1:
                probe("listing page", lambda: prober.get("/ofertas", "probe"))
                probe("listing fragment", lambda: prober.get("/ofertas?q=electricista", "probe", htmx=True))
                probe("opening page (signed in)", lambda: prober.get(f"/ofertas/{world.openings[0]}", "probe"))
                probe("apply (htmx)", lambda: prober.post(f"/ofertas/{world.openings[0]}/postular", "probe",
                                                          htmx=True))
                probe("health check", lambda: prober.get("/salud", "probe"))
                window["probed"] = time.monotonic()
                # A worker dies during the outage (OOM, max-requests): its replacement must
                # boot without the database, or gunicorn halts and never comes back.
                killed.append(server.worker_pids()[0])
                os.kill(killed[0], signal.SIGKILL)
            elif "probed" in window and "respawned" not in window:
                # The database stays down until the replacement has booted and answered (a 503),
                # or gunicorn gave up.
                new = [p for p in server.worker_pids() if p not in killed and p not in first]
                if server.process.poll() is not None or any(server.served_by(p) for p in new) \
                        or time.monotonic() - window["probed"] > 30:
                    window["respawned"] = time.monotonic()
            elif "respawned" in window and "start" not in window and time.monotonic() - window["stop"] > 5:
                cluster.start()
                window["start"] = time.monotonic()

        run_people(server.port, world, 20, stats, ledger, students=10, employers=4, coordinators=2, during=outage)
        resumed = sum(1 for w in ledger.acked if w.t0 > window["start"])
        assert server.process.poll() is None, f"gunicorn stopped:\n{server.log()[-2000:]}"
        workers = server.worker_pids()
        after = {name: prober.get(path, "after the restart", htmx=htmx).status for name, path, htmx in [
            ("listing page", "/ofertas", False), ("listing fragment", "/ofertas?q=electricista", True),
            ("opening page", f"/ofertas/{world.openings[1]}", False), ("health check", "/salud", False)]}
        started = time.monotonic()
        applied = prober.post(f"/ofertas/{world.openings[1]}/postular", "after the restart", htmx=True)
        if applied.said("Postulación enviada"):
            ledger.ack(Write("apply", ("app", world.openings[1], world.students[-1]["profile_id"]), "received",
                             started, time.monotonic(), created=True))
        log = server.log()
        server.stop()
        figures = verify(cluster.url, ledger, strict=False)
    finally:
        cluster.remove()

    down = stats.errors_at
    outside = [path for t, _, path, _ in down if not (window["stop"] - 1 <= t <= window["start"] + 10)]
    # /salud answers JSON for load balancers; every page and fragment says it in Spanish.
    not_spanish = [path for _, _, path, body in down if path != "/salud"
                   and not all(words in body for words in UNAVAILABLE)]
    statuses = {s for _, s, _, _ in down}
    trust(f"PostgreSQL stopped for {window['start'] - window['stop']:.1f} s during 20 s of load: {stats.summary()}; "
          f"5xx answers {len(down)} (all {sorted(statuses)}), during the outage only; probes while down: "
          + ", ".join(f"{k} {v[0]}" for k, v in probes.items())
          + "; after the restart: " + ", ".join(f"{k} {v}" for k, v in after.items())
          + f", apply {applied.status}; a worker SIGKILLed during the outage, {len(workers)} workers after; "
          f"writes acknowledged {len(ledger.acked)} ({resumed} after the restart), "
          f"answers unknown (503 or lost) "
          f"{len(ledger.unknown)}; {figures}")
    assert statuses <= {503}, f"answers other than 503: {stats.server_errors[:10]}"
    assert down, "the outage produced no 503 at all: was the database really down?"
    assert not outside, f"{len(outside)} 5xx outside the outage"
    assert not not_spanish, f"{len(not_spanish)} 503 pages without the Spanish message"
    for name, (status, body) in probes.items():
        assert status == 503, f"{name} answered {status} while PostgreSQL was down"
        if name != "health check":
            assert all(words in body for words in UNAVAILABLE), f"{name}: {body[:300]}"
    assert len(workers) == 4 and killed[0] not in workers
    assert set(after.values()) == {200}, after
    assert resumed > 0, "no write was acknowledged after PostgreSQL came back"
    assert applied.status == 200 and applied.said("Postulación enviada")
    assert not [line for line in log_problems(log) if "Traceback" in line and "OperationalError" not in log]


@pytest.mark.postgres_only
def test_a_connection_dropped_after_the_answer_is_ready_is_not_a_500(schema_url):
    """The database ends the connection after the view has its answer (a restart, a
    failover): the closing rollback fails, and that must not replace the answer with a 500."""
    from sqlalchemy import create_engine

    from portal.extensions import db

    killer = create_engine(schema_url)
    with app_on(schema_url) as app:
        def read_then_lose_the_connection():
            pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
            with killer.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                connection.commit()
                while connection.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": pid}).first():
                    connection.commit()  # a new snapshot of pg_stat_activity each time
                    time.sleep(0.01)  # the backend is really gone before the view answers
            return "listo"

        app.add_url_rule("/_prueba/conexion-perdida", view_func=read_then_lose_the_connection)
        client = app.test_client()

        def get(path: str) -> int:
            with app.app_context():  # its own app context, torn down at the end as in gunicorn
                return client.get(path).status_code

        answers = [get("/_prueba/conexion-perdida") for _ in range(3)]
        after = get("/salud")
    killer.dispose()
    trust(f"connection ended by PostgreSQL after the answer was ready: {answers}, then /salud {after}")
    assert answers == [200, 200, 200] and after == 200

