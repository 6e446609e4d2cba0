"""Job alerts at national scale (issue 19): one published opening against 100,000 alerts,
and a daily digest run for all of them.

On a copy of the large set (bench/run.py's `prepare_database`: `.bench/large-<scale>.db`,
built once), saves ALERTS alerts over the set's students, with the searches students make
(their programme in their province, as every sign-up gets; a family in a department; a
trade word in a department; a modality in a department; remote work), all made 30 days ago.
Then, in one process as the worker runs it:

1. **A newly published opening** — for REPEATS random open openings, with every alert
   "inmediata" (the worst case: each alert is one the opening must be checked against), the
   time `sending.alerts_for_opening` takes to find the alerts that would send it (the
   worker's index of the running alerts, built beforehand as a running worker holds it;
   then dates, deliveries and eligibility for this one opening), as `run_immediate` does
   for one queued opening; no email is written.
2. **The index** — built from nothing (every distinct search parsed: a worker starting, or
   the catalogue changed) and again after a write to an alert (searches kept), and the
   memory it holds (tracemalloc).
3. **A daily digest** (unless --no-digest) — every alert "diaria", `sending.run_digests()`
   once, whole: emails written to the outbox, deliveries recorded; its progress log is
   printed as it runs.

Prints the figures and one JSON line; writes bench/results/<date>-alerts.json.

    .venv/bin/python bench/alerts.py                       # 100,000 alerts on the 1x set
    .venv/bin/python bench/alerts.py --alerts 20000 --repeats 50
    .venv/bin/python bench/alerts.py --keep .bench/alerts-100000.db   # keeps the set with its alerts
    .venv/bin/python bench/alerts.py --db .bench/alerts-100000.db --alerts 0 --no-digest  # again, openings only
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _load_average, _write_json, machine, percentile, prepare_database  # noqa: E402

WARM = 20  # openings matched untimed first
WORDS = ("electricista", "soldador", "cocina", "mecánico", "costura", "computación", "ventas", "almacén")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def save_alerts(count: int, seed: int) -> int:
    """`count` alerts over the set's students, as students would save them (bulk insert)."""
    from sqlalchemy import insert, select

    from portal import clock, vocab
    from portal.alerts import services
    from portal.extensions import db
    from portal.models import Alert, Programme, StudentProfile

    rng = random.Random(seed)
    families = {pid: fid for pid, fid in db.session.execute(select(Programme.id, Programme.family_id))}
    students = db.session.execute(select(StudentProfile.id, StudentProfile.programme_id,
                                         StudentProfile.department_code, StudentProfile.province_code)).all()
    kinds = sorted(vocab.OPENING_KINDS)
    made = clock.utcnow() - timedelta(days=30)
    rows, seen = [], set()
    while len(rows) < count:
        student = rng.choice(students)
        draw = rng.random()
        department = student.department_code
        if draw < 0.5:  # the sign-up alert: her programme in her province
            args = {"familia": families[student.programme_id], "programa": student.programme_id,
                    "departamento": department, "provincia": student.province_code}
        elif draw < 0.7:
            args = {"familia": families[student.programme_id], "departamento": department}
        elif draw < 0.85:
            args = {"q": rng.choice(WORDS), "departamento": department}
        elif draw < 0.95:
            args = {"tipo": rng.choice(kinds), "departamento": department}
        else:
            args = {"modalidad": "remoto"}
        filters = services.filters_from({k: str(v) for k, v in args.items() if v})
        query = services.query_of(filters)
        if (student.id, query) in seen:
            continue
        seen.add((student.id, query))
        rows.append({"student_id": student.id, "query": query, "frequency": "inmediata", "paused": False,
                     "initial": False, "created_at": made, **services._columns(filters)})
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Alert), rows[start:start + 5000])
    db.session.commit()
    return len(rows)


def index_build() -> dict:
    """The worker's index of the running alerts (portal/alerts/index.py) built from nothing,
    as after a restart or when the catalogue changed (every search parsed), and again after
    a write to one alert (the parsed searches kept): seconds, and the memory it holds
    (tracemalloc: what the built index keeps, the remembered parsed searches apart)."""
    import tracemalloc

    from flask import current_app
    from sqlalchemy import update

    from portal import clock
    from portal.alerts import index
    from portal.extensions import db
    from portal.models import Alert
    from portal.openings import listing

    open_now = listing.open_openings(clock.today())
    current_app.extensions.pop("alert_index", None)
    started = time.perf_counter()
    held = index.current(open_now)
    cold = time.perf_counter() - started
    searches = len(current_app.extensions["alert_index"]["searches"])
    # A write to one alert (it changes nothing, but moves the alerts' data version).
    db.session.execute(update(Alert).where(Alert.id == held.alerts[0].id).values(paused=False))
    db.session.commit()
    started = time.perf_counter()
    held = index.current(open_now)
    warm = time.perf_counter() - started
    held = None
    state = current_app.extensions["alert_index"]
    state.pop("index")
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    held = index.current(listing.open_openings(clock.today()))
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    kept = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return {"alerts_held": len(held.alerts), "distinct_searches": searches, "distinct_words": len(held.words),
            "masks": len(held.by) + len(held.words), "build_cold_seconds": round(cold, 2),
            "build_after_a_write_seconds": round(warm, 2), "index_mb": round(kept / 2**20, 1)}


def per_opening(repeats: int, seed: int) -> dict:
    """Matching one newly published opening against every alert (all "inmediata"), with the
    worker's index of the alerts built beforehand, as a running worker holds it."""
    from sqlalchemy import func, select, update

    from portal import clock
    from portal.alerts import index, sending
    from portal.extensions import db
    from portal.models import Alert, Opening
    from portal.openings import listing
    from portal.openings.queries import open_conditions

    # The worst case for the words and eligibility checks: every alert older than every
    # opening, so none is left out by "published since it was made".
    oldest = db.session.scalar(select(func.min(Opening.published_at)))
    db.session.execute(update(Alert).values(created_at=oldest - timedelta(days=1), frequency="inmediata"))
    db.session.commit()
    open_now = listing.open_openings(clock.today())
    rng = random.Random(seed)  # the same openings on every run over the same copy
    drawn = rng.sample(sorted(db.session.scalars(select(Opening.id).where(*open_conditions()))), repeats + WARM)
    # Untimed, as a running worker holds them: the alerts' index (timed in `index_build`),
    # matching's CETPRO targets and the listing's remembered search words.
    for opening_id in drawn[:WARM]:
        sending.alerts_for_opening(open_now.get(opening_id), open_now, "inmediata")
    ids = drawn[WARM:]
    times, searched, matched = [], [], []
    for opening_id in ids:
        opening = open_now.get(opening_id)
        started = time.perf_counter()
        found = sending.alerts_for_opening(opening, open_now, "inmediata")
        times.append(time.perf_counter() - started)
        matched.append(len(found))
        # Untimed: how many alerts' searches find it, before dates, deliveries and eligibility.
        searched.append(len(index.current(open_now).meeting(opening, open_now, "inmediata")))
        db.session.rollback()  # nothing held between openings, as the worker's loop commits
    return {"openings": len(ids), "p50_ms": _ms(percentile(times, 50)), "p95_ms": _ms(percentile(times, 95)),
            "max_ms": _ms(max(times)), "searched_p50": percentile(searched, 50),
            "searched_p95": percentile(searched, 95), "searched_max": max(searched),
            "matched_p50": percentile(matched, 50), "matched_p95": percentile(matched, 95),
            "matched_max": max(matched)}


def digest() -> dict:
    """One daily digest run over every alert, all made 30 days ago."""
    from sqlalchemy import func, select, update

    from portal import clock
    from portal.alerts import sending
    from portal.extensions import db
    from portal.models import Alert, AlertDelivery, OutboxEmail

    db.session.execute(update(Alert).values(frequency="diaria", created_at=clock.utcnow() - timedelta(days=30)))
    db.session.commit()
    reachable = db.session.scalar(select(func.count()).select_from(sending._reachable().subquery()))
    outbox_before = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    started = time.perf_counter()
    emails = sending.run_digests()
    took = time.perf_counter() - started
    deliveries = db.session.scalar(select(func.count()).select_from(AlertDelivery))
    outbox = db.session.scalar(select(func.count()).select_from(OutboxEmail)) - outbox_before
    return {"alerts_reachable": reachable, "seconds": round(took, 1), "emails": emails, "outbox_rows": outbox,
            "openings_sent": deliveries, "alerts_per_second": round(reachable / took, 1) if took else None}


def keep(url: str, path: Path) -> None:
    """A copy of the SQLite database as it is now (its WAL included), at `path`."""
    import sqlite3

    from portal.extensions import db

    db.session.commit()
    source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(path)
    with target:
        source.backup(target)
    source.close(), target.close()
    print(f"kept a copy with the alerts in {path}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=200, help="openings matched against the alerts")
    parser.add_argument("--scale", type=float, default=1.0, help="the large set's scale (default 1)")
    parser.add_argument("--db", help="a SQLite file to copy instead of .bench/large-<scale>.db")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--keep", metavar="PATH", help="keep a copy of the set with its alerts saved (before any "
                        "is timed) here, to run again with --db PATH --alerts 0")
    parser.add_argument("--no-digest", action="store_true", help="time only the newly published openings")
    args = parser.parse_args()
    url, dataset = prepare_database(args)
    os.environ["DATABASE_URL"] = url
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)

    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.models import Alert

    app = create_app()
    result = {"machine": machine(), "dataset": dataset}
    with app.app_context():
        started = time.perf_counter()
        saved = save_alerts(args.alerts, args.seed)
        result["alerts"] = db.session.scalar(select(func.count()).select_from(Alert))
        result["save_seconds"] = round(time.perf_counter() - started, 1)
        print(f"{saved} alerts saved in {result['save_seconds']} s, {result['alerts']} in all", flush=True)
        if args.keep:
            keep(url, Path(args.keep))
        result["per_opening"] = per_opening(args.repeats, args.seed)
        print("one opening against every alert:", json.dumps(result["per_opening"]), flush=True)
        result["index"] = index_build()
        print("the alerts' index:", json.dumps(result["index"]), flush=True)
        if not args.no_digest:
            result["digest"] = digest()
            print("daily digest:", json.dumps(result["digest"]), flush=True)
    result["load_average_end"] = _load_average()
    path = _write_json(result, "-alerts")
    print(json.dumps(result))
    print(f"JSON in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
