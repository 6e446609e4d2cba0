"""The trail's page query (the matching events found once, for the count and the page; a
coordinator's as the union of `of_cetpro`'s branches, each carrying the filters and reading
(id, created_at), or read through `audit.among` for a page past the last) holds to the plain
definition: a coordinator's events written as one OR over every event, ordered and counted
in Python. Random worlds, every filter, pages, and a count cap inside the trail."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import and_, or_, select

from portal import audit, clock
from portal.access import students_of
from portal.extensions import db
from portal.models import (
    Application,
    AuditEvent,
    Convenio,
    FollowUp,
    Nomination,
    Placement,
    StudentProfile,
    User,
)
from tests import factories

KINDS = ("Cetpro", "StudentProfile", "User", "Application", "Nomination", "Placement", "FollowUp",
         "Convenio", "Certificate", "ApiToken", "Company", "Opening")
ACTIONS = ("student.verified", "student.registered", "application.created", "application.in_review",
           "nomination.created", "placement.recorded", "convenio.proposed", "user.deactivated")


def plain_of_cetpro(cetpro_id: int):
    """A coordinator's events as the plain OR: what `of_cetpro` means, tested row by row."""
    students = select(StudentProfile.id).where(students_of(cetpro_id))
    coordinators = select(User.id).where(User.role == "coordinator", User.cetpro_id == cetpro_id)
    kind, object_id = AuditEvent.object_type, AuditEvent.object_id
    return or_(
        and_(kind == "Cetpro", object_id == cetpro_id),
        and_(kind == "StudentProfile", object_id.in_(students)),
        and_(kind == "User", object_id.in_(select(StudentProfile.user_id).where(students_of(cetpro_id)))),
        and_(kind == "User", object_id.in_(coordinators)),
        and_(kind == "Application", object_id.in_(select(Application.id).where(Application.student_id.in_(students)))),
        and_(kind == "Nomination", object_id.in_(select(Nomination.id).where(Nomination.cetpro_id == cetpro_id))),
        and_(kind == "Placement", object_id.in_(select(Placement.id).where(Placement.cetpro_id == cetpro_id))),
        and_(kind == "FollowUp", object_id.in_(select(FollowUp.id).join(Placement, Placement.id == FollowUp.placement_id)
                                               .where(Placement.cetpro_id == cetpro_id))),
        and_(kind == "Convenio", object_id.in_(select(Convenio.id).where(Convenio.cetpro_id == cetpro_id))),
        AuditEvent.actor_id.in_(coordinators),
    )


def _world(rng: random.Random) -> dict:
    company = factories.company()
    opening = factories.opening(company)
    cetpros = [factories.cetpro() for _ in range(3)]
    objects: dict[str, list[int]] = {kind: [] for kind in KINDS}
    users = []
    coordinators = []
    for cetpro in cetpros:
        objects["Cetpro"].append(cetpro.id)
        for _ in range(2):
            coordinator = factories.named(factories.coordinator(cetpro), rng.choice(["Ana", "Luis"]), "Quispe")
            coordinators.append(coordinator)
            users.append(coordinator)
            objects["User"].append(coordinator.id)
        for n in range(4):
            student = factories.student(cetpro)
            if n == 0:  # an unconfirmed sign-up: nobody's to read
                student.email_confirmed_at = None
            users.append(student)
            objects["User"].append(student.id)
            objects["StudentProfile"].append(student.student.id)
            objects["Application"].append(factories.application(opening, student).id)
            placement = factories.placement(student, clock.today() - timedelta(days=rng.randrange(400)))
            objects["Placement"].append(placement.id)
            follow_up = FollowUp(placement_id=placement.id, months=3, due_date=clock.today())
            nomination = Nomination(opening_id=opening.id, student_id=student.student.id, cetpro_id=cetpro.id,
                                    nominated_by_id=coordinators[-1].id)
            db.session.add_all([follow_up, nomination])
            db.session.commit()
            objects["FollowUp"].append(follow_up.id)
            objects["Nomination"].append(nomination.id)
        objects["Convenio"].append(factories.convenio(cetpro, company).id)
    objects["Company"].append(company.id)
    objects["Opening"].append(opening.id)
    # Few instants, so that many events share one and the order falls to the id.
    instants = [datetime(2026, 3, 1, 12, 0) + timedelta(hours=rng.randrange(60)) for _ in range(25)]
    for _ in range(260):
        kind = rng.choice(KINDS)
        object_id = rng.choice(objects[kind]) if objects[kind] and rng.random() < 0.9 else rng.randrange(1, 500)
        db.session.add(AuditEvent(actor_id=rng.choice(users).id if rng.random() < 0.7 else None,
                                  action=rng.choice(ACTIONS), object_type=kind, object_id=object_id,
                                  created_at=rng.choice(instants)))
    db.session.commit()
    return {"coordinators": coordinators, "users": users, "admin": factories.admin()}


def _filter_sets(rng: random.Random, world: dict) -> list[dict]:
    someone = rng.choice(world["users"])
    return [
        {}, {"pagina": 2}, {"pagina": 4}, {"pagina": 40},
        {"tipo": "Application"}, {"tipo": "User", "pagina": 2},
        {"accion": "application"}, {"accion": "student.verified"},
        {"actor": "sistema"}, {"actor": str(someone.id)}, {"actor": "quispe"}, {"actor": "ana quispe", "pagina": 2},
        {"objeto": str(rng.choice(world["users"]).id)},
        {"desde": "2026-03-02", "hasta": "2026-03-03"}, {"desde": "2026-03-03", "pagina": 2},
    ]


def _expected(viewer: User, filters: audit.AuditFilters) -> tuple[list[int], int]:
    """Every matching event, newest first, by the plain definition; and how many."""
    if viewer.role == "admin":
        visible = AuditEvent.id.is_not(None)
    else:
        visible = plain_of_cetpro(viewer.cetpro_id)
    rows = db.session.execute(audit._filtered(select(AuditEvent.id, AuditEvent.created_at).where(visible),
                                              filters)).all()
    ordered = [row.id for row in sorted(rows, key=lambda row: (row.created_at, row.id), reverse=True)]
    start = (filters.pagina - 1) * audit.PER_PAGE
    return ordered[start:start + audit.PER_PAGE], len(ordered)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("cap", [10_000, 9])
def test_the_page_and_its_count_are_the_plain_definition_s(app, monkeypatch, seed, cap):
    rng = random.Random(seed)
    world = _world(rng)
    monkeypatch.setattr(audit, "PER_PAGE", 5)
    monkeypatch.setattr(audit, "COUNT_CAP", cap)
    checked = 0
    for viewer in [*world["coordinators"], world["admin"]]:
        for args in _filter_sets(rng, world):
            filters = audit.AuditFilters.from_args(args)
            page = audit.events(viewer, filters)
            expected, total = _expected(viewer, filters)
            assert [event.id for event in page.items] == expected, (viewer.email, args)
            assert page.total == min(total, cap) and page.extra["more"] == (total > cap), (viewer.email, args)
            checked += bool(expected)
    assert checked > 40  # the worlds are not empty


def test_the_plain_definition_tells_cetpros_apart(app):
    """The reference is not vacuous: another CETPRO's student's event is in one and not the other."""
    a, b = factories.cetpro(), factories.cetpro()
    student = factories.student(a)
    factories.coordinator(b)
    audit.audit("student.verified", student.student, None)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent.id))
    assert db.session.scalar(select(AuditEvent.id).where(plain_of_cetpro(a.id))) == event
    assert db.session.scalar(select(AuditEvent.id).where(plain_of_cetpro(b.id))) is None


def test_every_page_of_a_trail_is_one_kept_statement_and_few_are_kept(app, monkeypatch):
    """A built page statement is large (hundreds of KiB with its cache key): the pages of one
    trail share it (the offset is bound when it runs), and only the most recent are kept."""
    monkeypatch.setattr(audit, "_PAGE_STATEMENTS", type(audit._PAGE_STATEMENTS)())
    monkeypatch.setattr(audit, "_PAGE_STATEMENTS_MAX", 3)
    monkeypatch.setattr(audit, "PER_PAGE", 2)
    world = _world(random.Random(3))
    coordinator = world["coordinators"][0]
    pages = []
    for number in (1, 2, 3):
        filters = audit.AuditFilters.from_args({"pagina": number})
        pages.append([event.id for event in audit.events(coordinator, filters).items])
        assert pages[-1] == _expected(coordinator, filters)[0]
    assert pages[0] and pages[1] and pages[0] != pages[1]
    assert len(audit._PAGE_STATEMENTS) == 1
    for kind in ("Application", "User", "StudentProfile", "Placement"):
        audit.events(coordinator, audit.AuditFilters.from_args({"tipo": kind}))
    kept = list(audit._PAGE_STATEMENTS)  # the least recently used went first
    assert [tuple(kind in key for kind in ("User", "StudentProfile", "Placement")) for key in kept] == [
        (True, False, False), (False, True, False), (False, False, True)]
