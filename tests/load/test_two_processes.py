"""Issue 7: two app processes (two gunicorns on two ports) on one database, with Redis as
the rate-limit store: the sign-in throttle (portal/accounts/throttle.py) counts across both,
a known device is known to both, and writes sent through both land exactly once."""
from __future__ import annotations

import os
import threading
import time

import pytest

from tests.load.harness import Ledger, Session, Stats, Write, first_traceback, log_problems, seed_world, trust, verify

pytestmark = pytest.mark.load

# Low ceilings, so a few requests reach them; the pair limit out of the way (every request
# comes from 127.0.0.1), so what holds the account is its own count across both processes.
PER_ACCOUNT, PER_ADDRESS = 5, 20
LIMITS = {"LOGIN_LIMIT_PER_ACCOUNT": f"{PER_ACCOUNT} per 15 minutes",
          "LOGIN_LIMIT_PER_ADDRESS": f"{PER_ADDRESS} per 15 minutes",
          "LOGIN_LIMIT_PER_PAIR": "1000 per 15 minutes"}


@pytest.fixture
def redis_uri():
    """A Redis database of its own (LOAD_REDIS_DB, default 11), emptied before the test."""
    redis = pytest.importorskip("redis")
    uri = f"redis://127.0.0.1:6379/{int(os.environ.get('LOAD_REDIS_DB', '11'))}"
    client = redis.Redis.from_url(uri)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not answering at {uri}")
    client.flushdb()
    yield uri
    client.flushdb()
    client.close()


def failed_logins(ports: list[int], emails: list[str], stats: Stats) -> list[int]:
    """One wrong password per email, alternating between the two processes; the statuses."""
    statuses = []
    for n, email in enumerate(emails):
        session = Session(ports[n % 2], stats, email)
        session.get("/ingresar", "login page")
        statuses.append(session.post("/ingresar", "wrong password", {"email": email, "password": "equivocada-1"}).status)
    return statuses


def test_two_processes_share_limits_and_write_once(database, label, servers, redis_uri):
    import redis

    world = seed_world(database, cetpros=1, students_per_cetpro=8, companies=2, openings_per_company=2)
    env = {"RATELIMIT_STORAGE_URI": redis_uri, **LIMITS}
    a = servers(database, workers=2, env=env, name="a")
    b = servers(database, workers=2, env=env, name="b")
    ports, stats = [a.port, b.port], Stats()

    # Per account: the ceiling is the total across both processes, not per process. The
    # owner's phone signed in through one process before: both know it as her device.
    victim = world.students[0]["email"]
    phone = Session(ports, stats, victim)
    phone.login(victim, port=a.port)
    phone.post("/salir", "sign out", port=a.port)
    account = failed_logins(ports, [victim] * (PER_ACCOUNT + 3), stats)
    right = [Session(port, stats, victim) for port in ports]
    for session in right:
        session.get("/ingresar", "login page")
    with_password = [s.post("/ingresar", "right password", {"email": victim, "password": "enlace-demo"}).status
                     for s in right]
    assert account == [422] * PER_ACCOUNT + [429] * 3, account
    assert with_password == [429, 429], "a new device got past the account ceiling through one of the processes"
    known = []
    for port in ports:
        known.append(phone.login(victim, port=port).status)  # raises unless 303
        phone.post("/salir", "sign out", port=port)
    assert known == [303, 303], known

    # Per address: failures on different accounts add up across both processes too.
    redis.Redis.from_url(redis_uri).flushdb()
    address = failed_logins(ports, [f"nadie{n}@carga.pe" for n in range(PER_ADDRESS + 2)], stats)
    assert address == [422] * PER_ADDRESS + [429] * 2, address
    trust(f"two gunicorns (ports {a.port}, {b.port}) on {label} with Redis limits: wrong passwords for one "
          f"account alternating between them: {account.count(422)} × 422 then 429 (ceiling {PER_ACCOUNT}, "
          f"right password on a new device then 429 on both, on the owner's known device {known.count(303)} × 303); for {PER_ADDRESS + 2} accounts from one address: "
          f"{address.count(422)} × 422 then 429 (limit {PER_ADDRESS})")

    # Writes through both: every student applies to every opening, alternating processes,
    # all at once; and one apply sent 20 times, 10 to each process.
    redis.Redis.from_url(redis_uri).flushdb()
    ledger = Ledger()
    students = [Session(ports, stats, s["email"]) for s in world.students]
    for session, me in zip(students, world.students, strict=True):
        session.login(me["email"])

    def apply_everywhere(session: Session, me: dict) -> None:
        for opening_id in world.openings:
            t0 = time.monotonic()
            answer = session.post(f"/ofertas/{opening_id}/postular", "apply", htmx=True)
            if answer.status == 200:
                ledger.ack(Write("apply", ("app", opening_id, me["profile_id"]), "received", t0, time.monotonic(),
                                 created=answer.said("Postulación enviada")))

    threads = [threading.Thread(target=apply_everywhere, args=(s, me)) for s, me in zip(students[1:], world.students[1:], strict=True)]
    twin = students[0]
    barrier = threading.Barrier(20)
    double: list = []

    def tap(port: int) -> None:
        barrier.wait()
        t0 = time.monotonic()
        answer = twin.post(f"/ofertas/{world.openings[0]}/postular", "double apply", htmx=True, port=port,
                           keep_cookies=False)
        double.append(answer.status)
        if answer.status == 200:
            ledger.ack(Write("apply", ("app", world.openings[0], world.students[0]["profile_id"]), "received",
                             t0, time.monotonic(), created=answer.said("Postulación enviada")))

    threads += [threading.Thread(target=tap, args=(ports[n % 2],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    logs = a.log() + b.log()
    a.stop()
    b.stop()
    figures = verify(database, ledger, strict=True)
    trust(f"writes through both processes on {label}: {len(ledger.acked)} acknowledged applies "
          f"({ledger.counts()['apply (new)']} new), one apply sent 20 times across both: "
          f"{double.count(200)} × 200; {stats.summary()}; in the database: {figures['applications']} applications")
    assert figures["applications"] == (len(world.students) - 1) * len(world.openings) + 1
    assert set(double) == {200}
    assert not stats.server_errors, (stats.server_errors[:5], first_traceback(logs))
    assert not stats.locked
    assert not log_problems(logs), log_problems(logs)[:20]
