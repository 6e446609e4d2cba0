"""No double booking under concurrency: several students pick, at the same instant, slots of
one employer member that overlap; each pick runs in its own thread, app context, session
and database connection. Exactly one wins, the others are told the time is taken, on
SQLite (the write-first on the member's row) and on PostgreSQL (its row lock)."""
from __future__ import annotations

import threading

from sqlalchemy import select

from portal.extensions import db
from portal.interviews import services
from portal.models import Interview, StudentProfile
from tests import factories
from tests.helpers.interviews import proposal

PICKERS = 6


def _pick_at_once(app, picks: list[tuple[int, int, int]]) -> list[object]:
    """Each (profile id, interview id, slot id) picked from its own thread, all released at
    once; what each got (the interview's state, or the exception)."""
    barrier = threading.Barrier(len(picks))
    results: list[object] = [None] * len(picks)

    def run(n: int, profile_id: int, interview_id: int, slot_id: int) -> None:
        with app.app_context():
            try:
                profile = db.session.get(StudentProfile, profile_id)
                interview = db.session.get(Interview, interview_id)
                list(interview.slots)  # loaded before the start: the race is the check and the write
                barrier.wait(timeout=30)
                results[n] = services.pick(profile, interview, slot_id).state
            except Exception as error:  # noqa: BLE001 - the test reports whatever happened
                results[n] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, *pick)) for n, pick in enumerate(picks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_overlapping_picks_of_one_member_at_once_confirm_exactly_one(app, cast):
    opening = cast.application.opening
    picks = []
    for n in range(PICKERS):
        application = cast.application if n == 0 else factories.application(opening, factories.student(),
                                                                             state="in_review")
        # The same Monday morning, shifted a little each time: every pair overlaps.
        start = f"10:{n * 2:02d}"
        interview = services.propose(cast.employer, application, proposal(("2026-12-07", start, "10:45")))
        picks.append((application.student_id, interview.id, interview.slots[0].id))
    db.session.remove()  # the threads' own sessions do the work

    results = _pick_at_once(app, picks)

    errors = [r for r in results if isinstance(r, Exception)]
    assert results.count("confirmed") == 1, results
    assert len(errors) == PICKERS - 1
    assert all(isinstance(e, services.InterviewError) and "ya no está libre" in str(e) for e in errors), errors
    states = db.session.scalars(select(Interview.state).order_by(Interview.id)).all()
    assert sorted(states) == ["confirmed"] + ["proposed"] * (PICKERS - 1)


def test_both_slots_of_one_interview_picked_at_once_confirm_it_once(app, cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    profile_id, interview_id = cast.application.student_id, interview.id
    picks = [(profile_id, interview_id, slot.id) for slot in interview.slots[:2]]
    db.session.remove()

    results = _pick_at_once(app, picks)

    assert results.count("confirmed") == 1, results
    [error] = [r for r in results if isinstance(r, Exception)]
    assert isinstance(error, services.InterviewError), error
    confirmed = db.session.get(Interview, interview_id)
    assert confirmed.state == "confirmed" and confirmed.sequence == 0
