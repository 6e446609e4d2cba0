"""A student's recommendations come from the listing's in-memory index; they must rank
exactly as the SQL reference (`openings_for_student_sql`) and follow every write. The
worlds hold certificates (in force and revoked, of modules declared or not), so the weight
of a module only declared is compared too."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.clock import today
from portal.extensions import db
from portal.matching import index as matching_index
from portal.matching import recommendations
from portal.models import Certificate, Module, Opening, OpeningRequirement, Programme, StudentSkill
from portal.openings import listing
from portal.skills import normalize_skill as normalize
from tests import factories

SKILLS = ["Trabajo en altura", "Excel", "Atención al cliente", "Soldadura TIG", "Licencia A-I"]
PLACES = [("04", "0401"), ("04", "0402"), ("15", "1501"), ("12", "1201")]


def _programmes(rng: random.Random) -> list[Programme]:
    return [factories.programme(), factories.programme("Cocina"),
            *rng.sample(list(db.session.scalars(select(Programme).order_by(Programme.id).limit(12))), 2)]


def _world(rng: random.Random):
    """Openings of every kind, place, target and requirement mix; students of every status."""
    day = today()
    programmes = _programmes(rng)
    cetpros = [factories.cetpro(department=d, province=p) for d, p in PLACES[:3]]
    companies = [factories.company() for _ in range(3)]
    openings = []
    for n in range(70):
        programme = rng.choice(programmes)
        department, province = rng.choice(PLACES)
        kind = rng.choice(["empleo", "empleo", "practicas_preprofesionales", "practicas_profesionales", "pasantia"])
        hours = {"practicas_preprofesionales": (6, 30)}.get(kind, (8, 48))
        opening = factories.opening(
            rng.choice(companies), state=rng.choice(["published"] * 6 + ["closed", "draft"]), kind=kind,
            title=f"Oferta {n}", required_modules=0, hours_per_day=hours[0], hours_per_week=hours[1],
            pay_monthly=1500, work_mode=rng.choice(["presencial", "presencial", "remoto", "hibrido"]),
            department_code=department, province_code=province,
            deadline=rng.choice([None, day - timedelta(days=1), day, day + timedelta(days=rng.randint(1, 40))]),
        )
        opening.family_id = programme.family_id
        modules = list(db.session.scalars(select(Module).where(Module.programme_id == programme.id)))
        for module in rng.sample(modules, rng.randint(0, min(4, len(modules)))):
            opening.requirements.append(OpeningRequirement(module_id=module.id, required=rng.random() < 0.7))
        for skill in rng.sample(SKILLS, rng.randint(0, 2)):
            opening.requirements.append(OpeningRequirement(skill=skill, skill_normalized=normalize(skill),
                                                           required=rng.random() < 0.5))
        if rng.random() < 0.3:
            opening.programmes = [rng.choice(programmes)]
        if rng.random() < 0.4:
            opening.targets_all_cetpros = False
            opening.cetpros = rng.sample(cetpros, rng.randint(1, 2))
        openings.append(opening)
    db.session.commit()
    students = []
    for _ in range(14):
        status = rng.choice(["estudiante", "egresado", "titulado"])
        graduated = None if status == "estudiante" else day - timedelta(days=rng.choice([30, 200, 364, 366, 400, 800]))
        programme = rng.choice(programmes)
        user = factories.student(rng.choice(cetpros), programme, status=status, graduation_date=graduated,
                                 modules=rng.randint(0, 4))
        profile = user.student
        if rng.random() < 0.15:  # no place given: no opening is in her province or department
            profile.department_code = profile.province_code = None
        elif rng.random() < 0.15:
            profile.province_code = None
        for skill in rng.sample(SKILLS, rng.randint(0, 3)):
            db.session.add(StudentSkill(student_id=profile.id, name=skill.upper(), normalized=normalize(skill)))
        certify_some(rng, profile, programme)
        for opening in rng.sample(openings, 3):
            if opening.state == "published":
                factories.application(opening, user)
        students.append(profile)
    db.session.commit()
    return students


def certify_some(rng: random.Random, profile, programme) -> None:
    """Certificates of some of her programme's modules, declared or not: in force, revoked,
    or revoked and certified again."""
    modules = list(db.session.scalars(select(Module).where(Module.programme_id == programme.id)))
    for module in modules:
        roll = rng.random()
        if roll < 0.55:
            continue
        states = {0: ["vigente"], 1: ["revocado"], 2: ["revocado", "vigente"]}[int((roll - 0.55) / 0.15)]
        for state in states:
            db.session.add(Certificate(
                code=f"T{profile.id:05d}{module.id:05d}{state[0]}", student_id=profile.id, module_id=module.id,
                cetpro_id=profile.cetpro_id, number=f"{profile.id}-{module.id}-{state}", issued_on=today(),
                state=state, revoked_at=None if state == "vigente" else clock.utcnow()))


def _from_index(profile, limit):
    return [(card.id, m.score, m.required_met, m.required_total, m.desired_met, m.desired_total,
             m.required_declared, m.desired_declared, [(r.kind, r.met, r.text) for r in m.reasons], m.missing,
             m.declared)
            for card, m in recommendations.openings_for_student(profile, today(), limit=limit)]


def _from_sql(profile, limit):
    return [(opening_id, m.score, m.required_met, m.required_total, m.desired_met, m.desired_total,
             m.required_declared, m.desired_declared, [(r.kind, r.met, r.text) for r in m.reasons], m.missing,
             m.declared)
            for opening_id, m in recommendations.openings_for_student_sql(profile, today(), limit=limit)]


@pytest.mark.parametrize("scored_whole", [recommendations.SCORED_WHOLE, 0])
def test_index_ranks_exactly_as_sql_on_random_worlds(app, monkeypatch, scored_whole):
    """Also with every group of openings read a deadline at a time (`_closing_first`'s path for
    the large groups of the national data set)."""
    monkeypatch.setattr(recommendations, "SCORED_WHOLE", scored_whole)
    compared = declared = certified = grouped = 0
    for seed in range(3):
        students = _world(random.Random(seed))
        for profile in students:
            for limit in (1, 2, 3, 5, 8, 13, 30, 1000):
                expected = _from_sql(profile, limit)
                assert _from_index(profile, limit) == expected, (seed, profile.id, limit)
                compared += len(expected)
                declared += sum(1 for row in expected if row[6] + row[7])
                # some module met and counted whole: certified, whether declared or not
                certified += sum(1 for row in expected if row[2] + row[4] > row[6] + row[7])
                grouped += sum(1 for row in expected if row[2] + row[4] == 0)  # met nothing: scored by group
    assert compared > 200  # the worlds are not empty
    assert declared > 20 and certified > 20  # both weights were compared
    assert grouped > 100  # and the openings scored by group


def test_recommendations_follow_writes_at_once(app):
    cetpro = factories.cetpro()
    user = factories.student(cetpro, modules=1)
    profile = user.student
    opening = factories.opening(title="Tablerista", required_modules=2)
    first = recommendations.openings_for_student(profile, today())
    assert [(card.id, m.required_met) for card, m in first] == [(opening.id, 1)]
    # A requirement dropped: the student now meets all that is asked.
    opening.requirements.pop()
    db.session.commit()
    assert [(card.id, m.required_met, m.required_total) for card, m in
            recommendations.openings_for_student(profile, today())] == [(opening.id, 1, 1)]
    # Targeted at another CETPRO only: gone.
    opening.targets_all_cetpros = False
    opening.cetpros = [factories.cetpro()]
    db.session.commit()
    assert recommendations.for_student(profile, today()) == ([], False)  # none for her, none applied to
    # And back, to the student's own CETPRO.
    opening.cetpros.append(cetpro)
    db.session.commit()
    assert [card.id for card, _ in recommendations.openings_for_student(profile, today())] == [opening.id]
    # Applying takes it out: she applied to every opening she may take.
    factories.application(opening, user)
    assert recommendations.for_student(profile, today()) == ([], True)


def test_renamed_module_shows_in_what_is_missing(app):
    user = factories.student(modules=0)
    opening = factories.opening(required_modules=1)
    module = db.session.get(Module, opening.requirements[0].module_id)
    [(_, match)] = recommendations.openings_for_student(user.student, today())
    assert match.missing == [module.name]
    name = module.name
    module.name = "Tableros de distribución (renombrado)"
    db.session.commit()
    try:
        [(_, match)] = recommendations.openings_for_student(user.student, today())
        assert match.missing == ["Tableros de distribución (renombrado)"]
    finally:  # the taxonomy is loaded once for the whole run: other tests read this name
        module.name = name
        db.session.commit()


def test_an_opening_closing_leaves_the_recommendations(app):
    user = factories.student()
    opening = factories.opening()
    assert [card.id for card, _ in recommendations.openings_for_student(user.student, today())] == [opening.id]
    opening.state = "closed"
    db.session.commit()
    assert recommendations.for_student(user.student, today()) == ([], False)


def _random_write(rng: random.Random, cetpros) -> str:
    """One write to an opening matching reads: its requirements, targets, kind, place,
    deadline, accepted programmes, state; returns what it was."""
    openings = list(db.session.scalars(select(Opening).where(Opening.state != "draft").order_by(Opening.id)))
    row = rng.choice(openings)
    action = rng.choice(["require", "require", "drop", "toggle", "targets", "targets", "place", "kind", "close",
                         "reopen", "deadline", "accept"])
    modules = list(db.session.scalars(select(Module).order_by(Module.id).limit(40)))
    if action == "require":
        if rng.random() < 0.6:
            row.requirements.append(OpeningRequirement(module_id=rng.choice(modules).id, required=rng.random() < 0.7))
        else:
            skill = rng.choice(SKILLS)
            row.requirements.append(OpeningRequirement(skill=skill, skill_normalized=normalize(skill),
                                                       required=rng.random() < 0.5))
    elif action == "drop" and row.requirements:
        row.requirements.remove(rng.choice(row.requirements))
    elif action == "toggle" and row.requirements:
        requirement = rng.choice(row.requirements)
        requirement.required = not requirement.required
    elif action == "targets":
        row.targets_all_cetpros = rng.random() < 0.3
        row.cetpros = [] if row.targets_all_cetpros else rng.sample(cetpros, rng.randint(1, 2))
    elif action == "place":
        row.department_code, row.province_code = rng.choice(PLACES)
        row.work_mode = rng.choice(["presencial", "remoto", "hibrido"])
    elif action == "deadline":
        row.deadline = rng.choice([d for d in (None, today(), today() + timedelta(days=rng.randint(1, 5)))
                                   if d != row.deadline])
    elif action == "accept":
        row.programmes = [] if row.programmes else [rng.choice(list(db.session.scalars(
            select(Programme).where(Programme.family_id == row.family_id).order_by(Programme.id))))]
    elif action == "kind":
        row.kind = rng.choice(["empleo", "pasantia", "practicas_profesionales"])
    elif action == "close":
        row.state = "closed"
    elif action == "reopen":
        row.state = "published"
    db.session.commit()
    return f"{action} {row.state}"


def _plain(facts, open_now) -> tuple:
    """Matching's facts of the open openings as plain values: requirements, and the ids per
    CETPRO, per requirement asked (and asking a required, a desired item) and per deadline."""
    def ids(sets) -> dict:
        return {key: [card.id for card, _, _ in sets.get(key).openings()] for key in sets}

    return ({opening_id: facts.requirements.get(opening_id, ()) for opening_id in open_now.ids()},
            ids(facts.by_cetpro), ids(facts.asking), ids(facts.closing),
            {opening_id: facts.deadlines[opening_id] for opening_id in open_now.ids()})


@pytest.mark.parametrize("page_bits", [10, 2])
def test_after_random_writes_the_carried_facts_still_rank_as_sql(app, monkeypatch, page_bits):
    """Matching's facts are carried from version to version with only the changed
    openings re-read: after each write, every student's recommendations must still rank
    exactly as the SQL reference (also with the index's lists in chunks of 4 entries)."""
    from portal.models import Cetpro
    from portal.openings import index

    monkeypatch.setattr(index, "PAGE_BITS", page_bits)

    rng = random.Random(20261203)
    students = _world(rng)
    cetpros = list(db.session.scalars(select(Cetpro).order_by(Cetpro.id)))
    monkeypatch.setattr(recommendations, "SCORED_WHOLE", 0)  # the sets by deadline are read too
    _from_index(students[0], 5)  # the index and matching's facts are loaded
    carried = 0
    actions = []
    for step in range(40):
        before = app.extensions["listing_index"]["snapshot"]
        actions.append(_random_write(rng, cetpros))
        for profile in rng.sample(students, 5):
            assert _from_index(profile, 1000) == _from_sql(profile, 1000), (step, profile.id)
        # The carried facts themselves, not only the few students sampled: as a build makes them.
        open_now = listing.open_openings(today())
        assert _plain(matching_index.facts(open_now), open_now) == _plain(matching_index._build(open_now), open_now), step
        after = app.extensions["listing_index"]["snapshot"]
        carried += after.generation == before.generation + 1 and "matching" in after.derived
    assert carried >= 20  # most writes refreshed the index and carried the facts over
    assert {"deadline published", "accept published", "place published"} <= set(actions)  # these writes were made


def test_a_cetpro_s_carried_set_follows_the_openings_that_stop_or_start_naming_it(app):
    """Matching's openings per CETPRO are carried across writes, not rebuilt: a changed
    opening leaves the sets of the CETPROs it no longer names and joins the others'."""
    first, second = factories.cetpro(), factories.cetpro()
    moving = factories.opening(title="Electricista", targets_all_cetpros=False)
    staying = factories.opening(title="Soldador", targets_all_cetpros=False)
    moving.cetpros, staying.cetpros = [first], [first]
    db.session.commit()

    def named(cetpro) -> set[int] | None:
        open_now = listing.open_openings(today())
        found = matching_index.facts(open_now).by_cetpro.get(cetpro.id)
        return None if found is None else {card.id for card, _, _ in found.openings()}

    assert (named(first), named(second)) == ({moving.id, staying.id}, None)
    generation = app.extensions["listing_index"]["snapshot"].generation
    moving.cetpros = [second]
    db.session.commit()
    assert (named(first), named(second)) == ({staying.id}, {moving.id})
    moving.cetpros, moving.targets_all_cetpros = [], True
    db.session.commit()
    assert (named(first), named(second)) == ({staying.id}, None)  # a CETPRO left with none has no set
    held = app.extensions["listing_index"]["snapshot"]
    assert (held.generation, "matching" in held.derived) == (generation + 2, True)  # carried, not rebuilt


@pytest.mark.parametrize("scored_whole", [recommendations.SCORED_WHOLE, 0])
def test_openings_asking_nothing_she_holds_rank_by_group_then_deadline_then_id(app, monkeypatch, scored_whole):
    """Openings that ask nothing she holds are scored by group (asks a required item, a
    desired one, place kind, names her programme): within a score, the earliest deadline
    first, no deadline last, equal deadlines by id; the one opening asking a module she
    holds is counted and falls where its score puts it."""
    monkeypatch.setattr(recommendations, "SCORED_WHOLE", scored_whole)
    electricidad = factories.programme()
    profile = factories.student(factories.cetpro(department="04", province="0401"), electricidad, modules=1).student
    held = profile.modules[0]
    other = next(module for module in electricidad.modules if module.id != held.id)
    soon, later = today() + timedelta(days=3), today() + timedelta(days=9)

    def opening(title, asks=(), **fields):
        row = factories.opening(title=title, required_modules=0, **fields)
        row.requirements = [OpeningRequirement(module_id=module.id, required=required) for module, required in asks]
        db.session.commit()
        return row.id

    tied = [opening(f"Empate {n}", [(other, True)], deadline=soon) for n in range(3)]
    later_one = opening("Más tarde", [(other, True)], deadline=later)
    undated = opening("Sin plazo", [(other, True)], deadline=None)
    nothing = opening("Sin requisitos", deadline=later)  # nothing asked: 50 + 15
    desired = opening("Solo deseable", [(other, False)], deadline=soon)  # nothing required: 50 + 0
    remote = opening("Remoto", [(other, True)], work_mode="remoto", department_code="15", province_code="1501",
                     deadline=soon)  # counts as her province
    department = opening("Mismo departamento", [(other, True)], province_code="0402", deadline=soon)
    elsewhere = opening("Otro departamento", [(other, True)], department_code="15", province_code="1501",
                        deadline=soon)
    accepting = opening("Acepta su programa", [(other, True)], deadline=later, programmes=[electricidad])
    counted = opening("Pide lo que declaró", [(held, True), (other, True)], deadline=later)

    ranked = recommendations.openings_for_student(profile, today(), limit=100)
    assert [card.id for card, _ in ranked] == [nothing, desired, counted, accepting, *tied, remote, later_one,
                                               undated, department, elsewhere]
    own = ranked[0][1].score - 85
    assert [m.score - own for _, m in ranked] == [85, 70, 58, 40, 35, 35, 35, 35, 35, 35, 28, 20]
    # She holds nothing any opening asks: every opening is scored by group.
    holds_nothing = factories.student(factories.cetpro(department="04", province="0401"), electricidad,
                                      modules=0).student
    for student in (profile, holds_nothing):
        for limit in range(1, 14):
            assert _from_index(student, limit) == _from_sql(student, limit), (student.id, limit)
