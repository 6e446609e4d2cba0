"""Issue 7: double submits and races. The same request from ~20 threads at once (same
session, same CSRF token) gives one result: one row, one history event, one notice; the
other answers are a clean 4xx or the same success, never a 5xx."""
from __future__ import annotations

import shutil
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from portal import clock
from tests.load.harness import (
    Dropped,
    Gunicorn,
    Session,
    Stats,
    app_on,
    empty_tables,
    is_postgres,
    log_problems,
    seed_world,
    trust,
)

pytestmark = pytest.mark.load
THREADS = 20


@pytest.fixture(scope="module")
def site(schema_url, tmp_path_factory):
    """One seeded database and one gunicorn for the whole module (each race uses its own rows)."""
    directory = tmp_path_factory.mktemp("races")
    if is_postgres(schema_url):
        url = schema_url
        empty_tables(url)
    else:
        url = f"sqlite:///{directory / 'races.db'}"
        shutil.copyfile(schema_url.removeprefix("sqlite:///"), directory / "races.db")
    world = seed_world(url, cetpros=1, students_per_cetpro=8, companies=1, openings_per_company=8)
    server = Gunicorn(url, directory, workers=4).start()
    stats = Stats()
    people = {}
    for role, email in [("employer", world.employers[0]["email"]), ("coordinator", world.coordinators[0]["email"])] + [
            (f"student{n}", s["email"]) for n, s in enumerate(world.students)]:
        people[role] = Session(server.port, stats, email)
        people[role].login(email)
    yield {"url": url, "world": world, "server": server, "people": people, "stats": stats,
           "label": "PostgreSQL" if url.startswith("postgresql") else "SQLite"}
    server.stop()
    problems = log_problems(server.log())
    assert not problems, problems[:20]


def burst(calls) -> list:
    """Run the calls at the same instant, one thread each; the answers (or Dropped) in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(n, call):
        barrier.wait()
        try:
            answers[n] = call()
        except Dropped as error:
            answers[n] = error

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def statuses(answers) -> Counter:
    return Counter(a.status if hasattr(a, "status") else "no answer" for a in answers)


def clean(answers, allowed: set[int]) -> None:
    got = statuses(answers)
    assert set(got) <= allowed, f"unexpected answers {dict(got)}"


def count(url, model, **where) -> int:
    with app_on(url):
        from portal.extensions import db

        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return db.session.scalar(query)


def application_row(url, opening_id, profile_id):
    from portal.extensions import db
    from portal.models import Application

    with app_on(url):
        row = db.session.scalar(select(Application).where(Application.opening_id == opening_id,
                                                          Application.student_id == profile_id))
        return (row.id, row.state, row.version) if row else None


def audits(url, action, object_id=None) -> int:
    from portal.models import AuditEvent

    return count(url, AuditEvent, action=action, **({"object_id": object_id} if object_id else {}))


def apply_once(site, student: int, opening_id: int):
    s = site["people"][f"student{student}"]
    answer = s.post(f"/ofertas/{opening_id}/postular", "apply", htmx=True)
    assert answer.status == 200, answer.status
    return application_row(site["url"], opening_id, site["world"].students[student]["profile_id"])


def report(site, name, answers) -> None:
    trust(f"race on {site['label']}, {len(answers)} threads, {name}: " +
          ", ".join(f"{k} {v}" for k, v in sorted(statuses(answers).items(), key=str)))


def test_same_apply_twenty_times_makes_one_application(site):
    s, world, url = site["people"]["student0"], site["world"], site["url"]
    opening_id = world.openings[0]
    s.get(f"/ofertas/{opening_id}", "opening page")
    calls = [(lambda htmx=(n % 4 != 0): s.post(f"/ofertas/{opening_id}/postular", "apply",
                                               {"message": "Doble toque"}, htmx=htmx, keep_cookies=False))
             for n in range(THREADS)]
    answers = burst(calls)
    report(site, "same apply", answers)
    clean(answers, {200, 303})
    new = [a for a in answers if a.said("Postulación enviada")]
    again = [a for a in answers if a.said("Ya habías postulado")]
    assert len(new) <= 1 and len(new) + len(again) == sum(1 for a in answers if a.status == 200)
    from portal.models import Application, Notification

    assert count(url, Application, opening_id=opening_id) == 1
    row = application_row(url, opening_id, world.students[0]["profile_id"])
    assert audits(url, "application.created", row[0]) == 1
    assert count(url, Notification, kind="application-received") == 1


def test_same_nomination_twenty_times_makes_one(site):
    s, world, url = site["people"]["coordinator"], site["world"], site["url"]
    opening_id, student = world.openings[1], world.students[1]["profile_id"]
    path = f"/coordinador/ofertas/{opening_id}/candidatos/{student}/nominar"
    s.get(f"/coordinador/ofertas/{opening_id}/candidatos", "candidates")
    answers = burst([lambda htmx=(n % 4 != 0): s.post(path, "nominate", {"note": "Doble toque"}, htmx=htmx,
                                                      keep_cookies=False) for n in range(THREADS)])
    report(site, "same nomination", answers)
    clean(answers, {200, 303, 409})
    assert sum(1 for a in answers if a.said("Recomendaste a")) <= 1
    from portal.models import Nomination, Notification

    assert count(url, Nomination, opening_id=opening_id, student_id=student) == 1
    assert audits(url, "nomination.created") == 1
    assert count(url, Notification, kind="nomination") == 2


def test_same_state_change_twenty_times_moves_once(site):
    world, url, employer = site["world"], site["url"], site["people"]["employer"]
    application_id, _, version = apply_once(site, 2, world.openings[2])
    path = f"/empresa/postulaciones/{application_id}/estado"
    employer.get(f"/empresa/ofertas/{world.openings[2]}/postulantes", "pipeline")
    answers = burst([lambda htmx=(n % 4 != 0): employer.post(
        path, "move", {"to_state": "in_review", "version": version}, htmx=htmx, keep_cookies=False)
        for n in range(THREADS)])
    report(site, "same move to En evaluación", answers)
    clean(answers, {200, 303, 409})
    assert sum(1 for a in answers if a.status == 200) <= 1
    assert audits(url, "application.in_review", application_id) == 1
    row = application_row(url, world.openings[2], world.students[2]["profile_id"])
    assert row[1] == "in_review" and row[2] == version + 1

    # The same hire twenty times: one Seleccionado/a, one placement.
    answers = burst([lambda htmx=(n % 4 != 0): employer.post(
        path, "move", {"to_state": "hired", "version": row[2], "start_date": clock.today().isoformat()},
        htmx=htmx, keep_cookies=False) for n in range(THREADS)])
    report(site, "same hire", answers)
    clean(answers, {200, 303, 409})
    from portal.models import Placement

    assert audits(url, "application.hired", application_id) == 1
    assert count(url, Placement, application_id=application_id) == 1


def test_same_withdraw_twenty_times_withdraws_once(site):
    world, url = site["world"], site["url"]
    s = site["people"]["student3"]
    opening_id = world.openings[3]
    application_id, *_ = apply_once(site, 3, opening_id)
    answers = burst([lambda htmx=(n % 4 != 0): s.post(f"/ofertas/{opening_id}/retirar", "withdraw", htmx=htmx,
                                                      keep_cookies=False) for n in range(THREADS)])
    report(site, "same withdraw", answers)
    clean(answers, {200, 303, 409})
    assert audits(url, "application.withdrawn", application_id) == 1
    from portal.models import Notification

    assert count(url, Notification, kind="application-withdrawn") == 1


def test_employer_opening_an_application_twenty_times_marks_it_seen_once(site):
    world, url, employer = site["world"], site["url"], site["people"]["employer"]
    application_id, *_ = apply_once(site, 4, world.openings[4])
    answers = burst([lambda: employer.get(f"/empresa/postulaciones/{application_id}", "applicant page",
                                          keep_cookies=False) for _ in range(THREADS)])
    report(site, "same applicant page (Recibida → Vista)", answers)
    clean(answers, {200})
    from portal.models import Notification

    with app_on(url):
        from portal.extensions import db

        seen = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.message.like("La empresa vio tu postulación%")))
    assert seen == 1
    assert application_row(url, world.openings[4], world.students[4]["profile_id"])[1] == "viewed"


def test_student_and_employer_at_once_one_of_them_wins(site):
    """Withdraw and reject cross: exactly one happens, the other answers 409 (or 200 no-op)."""
    world, url, employer = site["world"], site["url"], site["people"]["employer"]
    s = site["people"]["student5"]
    opening_id = world.openings[5]
    application_id, _, version = apply_once(site, 5, opening_id)
    calls = []
    for n in range(THREADS):
        if n % 2:
            calls.append(lambda: s.post(f"/ofertas/{opening_id}/retirar", "withdraw", htmx=True, keep_cookies=False))
        else:
            calls.append(lambda: employer.post(f"/empresa/postulaciones/{application_id}/estado", "move",
                                               {"to_state": "rejected", "reason": "position_filled",
                                                "version": version}, htmx=True, keep_cookies=False))
    answers = burst(calls)
    report(site, "withdraw against reject", answers)
    clean(answers, {200, 409})
    withdrawn = audits(url, "application.withdrawn", application_id)
    rejected = audits(url, "application.rejected", application_id)
    assert withdrawn + rejected == 1
    state = application_row(url, opening_id, world.students[5]["profile_id"])[1]
    assert state == ("withdrawn" if withdrawn else "rejected")


def test_same_bulk_move_twenty_times_moves_each_once(site):
    world, url, employer = site["world"], site["url"], site["people"]["employer"]
    opening_id = world.openings[6]
    ids = [apply_once(site, n, opening_id)[0] for n in (6, 7)]
    employer.get(f"/empresa/ofertas/{opening_id}/postulantes", "pipeline")
    answers = burst([lambda htmx=(n % 4 != 0): employer.post(
        f"/empresa/ofertas/{opening_id}/postulantes/lote", "bulk move",
        {"to_state": "in_review", "application_ids": ids}, htmx=htmx, keep_cookies=False)
        for n in range(THREADS)])
    report(site, "same bulk move of 2", answers)
    clean(answers, {200, 303, 409})
    for application_id in ids:
        assert audits(url, "application.in_review", application_id) == 1


def test_reports_at_once_still_reach_the_threshold(site):
    """Eight people report the same opening at the same instant: the opening is suspended
    automatically, once (each report counts the others, even those committing alongside it)."""
    world, url = site["world"], site["url"]
    opening_id = world.openings[7]
    people = [site["people"][f"student{n}"] for n in range(8)]
    for person in people:
        person.get(f"/ofertas/{opening_id}", "opening page")
    answers = burst([lambda person=person, htmx=(n % 4 != 0): person.post(
        f"/ofertas/{opening_id}/reportar", "report",
        {"report-reason": "charges_fee", "report-details": "Piden pagar por la capacitación"}, htmx=htmx,
        keep_cookies=False) for n, person in enumerate(people)])
    report(site, "eight reports of one opening", answers)
    clean(answers, {200, 303})
    from portal.models import Opening, OpeningReport

    assert count(url, OpeningReport, opening_id=opening_id) == 8
    assert count(url, Opening, id=opening_id, state="suspended") == 1
    assert audits(url, "opening.suspended", opening_id) == 1


def test_races_left_no_server_error(site):
    """Runs last in the module: every answer of every race above, and the whole database."""
    stats = site["stats"]
    trust(f"races on {site['label']}: {stats.summary()}")
    assert not stats.server_errors, stats.server_errors[:10]
    assert not stats.locked
