"""A write's refresh cost in one worker (`bench/run.py --refresh SCALE`).

In one process on the given database, as a gunicorn worker holds it: load the listing's
index and matching's facts, then, `repeats` times per size, change the titles of that many
open openings in one committed transaction and time the next read — the listing's index
brought to the new version (`listing.open_openings`) and matching's facts carried over with it
(`matching.index.facts`). What was loaded first is frozen out of the garbage collector's
sight, as gunicorn.conf.py does in each worker; the collections a refresh triggers are
part of its time. A full build (what every write cost before issue 18) is timed
too, after a write that reaches every card. Prints one JSON object.

    .venv/bin/python bench/refresh.py sqlite:///.bench/run.db
"""
from __future__ import annotations

import gc
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = (1, 10, 100)
SUFFIX = " (urgente)"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _summary(values: list[float]) -> dict:
    from bench.run import percentile  # the bench's one definition (nearest rank)

    return {"p50": _ms(percentile(values, 50)), "p95": _ms(percentile(values, 95)), "max": _ms(max(values))}


def measure(url: str, repeats: int, seed: int = 18) -> dict:
    from sqlalchemy import select

    from portal import clock, create_app, versions
    from portal.extensions import db
    from portal.matching import index as matching_index
    from portal.models import Opening
    from portal.openings import listing

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(seed)
    # Matching's facts are carried over inside the listing's refresh (the index refreshes
    # what was derived from it): its share is timed by wrapping its refresh.
    carried = []
    refresh = matching_index._refresh

    def timed_refresh(*args):
        started = time.perf_counter()
        try:
            return refresh(*args)
        finally:
            carried.append(time.perf_counter() - started)

    matching_index._refresh = timed_refresh
    with app.app_context():
        day = clock.today()
        started = time.perf_counter()
        open_now = listing.open_openings(day)
        matching_index.facts(open_now)
        first_load = time.perf_counter() - started
        db.session.rollback()
        gc.collect()
        gc.freeze()  # as gunicorn.conf.py does once a worker has loaded the index
        open_ids = sorted(open_now.ids())
        result = {"open_openings": len(open_ids), "first_load_ms": _ms(first_load), "sizes": {}}

        def timed_read() -> tuple[float, float, bool]:
            """(listing, matching) seconds of the read after a write, and whether it refreshed."""
            carried.clear()
            started = time.perf_counter()
            matching_index.facts(listing.open_openings(day))
            took = time.perf_counter() - started
            db.session.rollback()  # end the read's transaction, as a request does
            refreshed = app.extensions["listing_index"]["snapshot"].generation > 0
            matching = sum(carried) if refreshed else 0.0
            return took - matching, matching, refreshed

        for size in SIZES:
            listing_s, matching_s, rebuilt = [], [], 0
            for _ in range(repeats):
                for row in db.session.scalars(select(Opening).where(Opening.id.in_(rng.sample(open_ids, size)))):
                    row.title = row.title.removesuffix(SUFFIX) if row.title.endswith(SUFFIX) \
                        else row.title[:160 - len(SUFFIX)] + SUFFIX
                db.session.commit()
                took_listing, took_matching, refreshed = timed_read()
                listing_s.append(took_listing)
                matching_s.append(took_matching)
                rebuilt += not refreshed
            result["sizes"][str(size)] = {"listing": _summary(listing_s), "matching": _summary(matching_s),
                                          "total": _summary([a + b for a, b in zip(listing_s, matching_s, strict=True)]),
                                          "rebuilt": rebuilt, "repeats": repeats}
        full = []
        for _ in range(max(3, repeats // 5)):
            versions.bump(db.session, "openings")  # "anything": as a company renamed
            db.session.commit()
            took_listing, took_matching, _ = timed_read()
            full.append(took_listing + took_matching)
        result["full_build"] = _summary(full)
    return result


if __name__ == "__main__":
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    print(json.dumps(measure(sys.argv[1], repeats)))
