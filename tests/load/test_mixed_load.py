"""Issue 7: a minute of students, employers and coordinators at once, against gunicorn.

Every write the server acknowledged (a 2xx, or a 303 whose page says it was done) goes
into a ledger; afterwards each one must be in the database once, in its last
acknowledged state, with its history, notices and emails, and nothing else may be.
Employers also create, publish and rename openings (tests/load/opening_writes.py); right
after each acknowledged opening write the public search must show it (and a draft or a
title's old word must not): not one stale answer is allowed.
"""
import pytest

from tests.load.harness import (
    Stats,
    first_traceback,
    load_seconds,
    log_problems,
    run_people,
    seed_world,
    trust,
    verify,
)
from tests.load.opening_writes import OpeningEmployer, OpeningLedger, check_figures, verify_openings

pytestmark = pytest.mark.load


def test_mixed_load_keeps_every_acknowledged_write(database, label, servers):
    world = seed_world(database)
    seeded = list(world.openings)
    seconds = load_seconds()
    stats, ledger = Stats(), OpeningLedger()
    server = servers(database, workers=4)
    run_people(server.port, world, seconds, stats, ledger, students=10, employers=4, coordinators=2,
               employer_class=OpeningEmployer)
    log = server.log()
    server.stop()

    trust(f"mixed load on {label}, gunicorn 4 sync workers, 16 people for {seconds:g} s: {stats.summary()}")
    trust(f"requests by kind on {label}: " + ", ".join(f"{k} {n}" for k, n in sorted(stats.by_kind.items())))
    assert not stats.server_errors, (stats.server_errors[:5], first_traceback(log))
    assert not stats.locked, stats.locked[:10]
    assert not log_problems(log), log_problems(log)[:20]
    assert not stats.dropped, stats.dropped
    # Only pages, redirects after a POST, and 409 for a move, nomination or edit someone beat us to.
    assert set(stats.statuses) <= {200, 302, 303, 409}, stats.statuses

    figures = verify(database, ledger, strict=True)
    acked = ledger.counts()
    trust(f"writes acknowledged on {label}: {len(ledger.acked)} ("
          + ", ".join(f"{k} {n}" for k, n in sorted(acked.items())) + f"); in the database: {figures}")
    for kind in ("apply (new)", "withdraw", "move", "nominate", "open (new)", "publish", "edit"):
        assert acked[kind] > 0, f"no acknowledged {kind}: the mix did not exercise it"

    openings = verify_openings(database, ledger, seeded)
    by_kind, stale, slowest = check_figures(ledger)
    trust(f"opening writes on {label}: {openings}; searches right after them: {len(ledger.checks)} ("
          + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items()))
          + f"), stale {len(stale)}, slowest {slowest:.2f} s after the acknowledgement")
    assert not stale, "search answers that missed an acknowledged opening write:\n" + "\n".join(
        f"{c.write} {c.how}: opening {c.opening_id} q={c.word} must_show={c.must_show} shown={c.shown} "
        f"status {c.status}, {c.after:.2f} s after" for c in stale[:20])
