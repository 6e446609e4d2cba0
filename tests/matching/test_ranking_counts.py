"""The ranking of one opening's candidates counts requirements met in SQL; it must give
exactly the engine's ranking from whole facts (every module and skill loaded)."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import vocab
from portal.applications.eligibility import legal_obstacle
from portal.clock import today
from portal.extensions import db
from portal.matching import queries
from portal.matching.engine import ceiling, rank
from portal.models import Application, Cetpro, Opening, StudentProfile
from tests.matching.test_recommendations_index import _world


def _summary(matches):
    return [(m.candidate_id, m.score, m.required_met, m.required_total, m.desired_met, m.desired_total,
             m.required_declared, m.desired_declared) for m in matches]


@pytest.mark.parametrize("seed, few", [(0, queries.FEW_CANDIDATES), (1, 0)])
def test_counts_in_sql_rank_exactly_as_the_engine_on_whole_facts(app, monkeypatch, seed, few):
    # few=0: every candidate list counts as many, so the holders are read by module and skill.
    monkeypatch.setattr(queries, "FEW_CANDIDATES", few)
    _world(random.Random(seed))
    day = today()
    cetpro_ids = list(db.session.scalars(select(Cetpro.id)))
    compared = declared = certified = 0
    for opening_id in db.session.scalars(select(Opening.id).where(Opening.state != "draft")):
        opening = queries.opening_facts(queries.load_opening(opening_id))
        for filters in ({}, {"cetpro_ids": cetpro_ids[:1]}, {"verified_only": True}):
            ranked = queries.ranked_for_opening(opening, day, **filters)
            expected = rank(opening, queries.candidates(opening, day, **filters), day)
            assert _summary(ranked) == _summary(expected), (opening_id, filters)
            explained = queries.explain(ranked)
            assert [(m.score, m.reasons, m.missing) for m in explained] == \
                [(m.score, m.reasons, m.missing) for m in expected]
            compared += len(expected)
            declared += sum(1 for m in expected if m.declared_only)
            certified += sum(1 for m in expected if m.required_met + m.desired_met > m.declared_only)
    assert compared > 100
    assert declared > 20 and certified > 20  # modules only declared and certified ones were compared


def test_reasons_are_not_read_from_a_ranking_by_counts(app):
    _world(random.Random(3))
    opening_id = next(o for o in db.session.scalars(select(Opening.id).where(Opening.state == "published"))
                      if queries.load_opening(o).requirements
                      and queries.ranked_for_opening(queries.opening_facts(queries.load_opening(o)), today()))
    [first, *_] = queries.ranked_for_opening(queries.opening_facts(queries.load_opening(opening_id)), today())
    with pytest.raises(TypeError):
        _ = first.reasons  # modules not loaded: explain() first


def test_strong_counts_of_open_and_closed_openings_agree_with_each_ranking(app):
    from portal.matching.engine import STRONG_SCORE
    from tests import factories

    cetpro = factories.cetpro()
    openings = [factories.opening(required_modules=n) for n in (1, 2, 3)]
    openings[2].state = "closed"  # not in the listing's index: its facts are loaded instead
    db.session.commit()
    for k in (0, 1, 2, 3):
        factories.student(cetpro, modules=k)
    # Certified, declared or not: modules her CETPRO certified (the first declared, the rest not).
    from tests.matching.test_recommendations_index import certify_some
    for seed in range(4):
        certified = factories.student(cetpro, modules=1).student
        certify_some(random.Random(seed), certified, certified.programme)
    db.session.commit()
    expected = {o.id: sum(1 for m in queries.ranked_for_opening(queries.opening_facts(o), today(),
                                                                 cetpro_ids=[cetpro.id])
                          if m.score >= STRONG_SCORE) for o in openings}
    assert queries.strong_counts(cetpro.id, openings, today()) == expected
    assert expected[openings[2].id] > 0


@pytest.mark.parametrize("seed, batch, few_targets, everywhere", [
    (4, queries.HOLDER_BATCH, queries.FEW_TARGETS, False), (5, 2, 0, False), (6, 1, 0, False),
    (7, queries.HOLDER_BATCH, queries.FEW_TARGETS, True), (8, 2, 0, True), (9, 1, 0, True)])
def test_best_for_opening_is_the_head_of_the_whole_ranking(app, monkeypatch, seed, batch, few_targets, everywhere):
    # batch 2 or 1: holders read a few at a time (pages of 2, 8, 32… or 1, 4, 16…); few_targets 0:
    # an opening for some CETPROs reads the holders nationwide too (filtered to the targets), not
    # its candidates whole; everywhere: the certified are read first for every opening, not only
    # remote ones (the place's points bounded in SQL too).
    monkeypatch.setattr(queries, "HOLDER_BATCH", batch)
    monkeypatch.setattr(queries, "HOLDERS_PAGE", batch)
    monkeypatch.setattr(queries, "FEW_TARGETS", few_targets)
    if everywhere:
        monkeypatch.setattr(queries, "CERTIFIED_FIRST_MODES", vocab.WORK_MODES)
    settled = []
    certified_first = queries._certified_first
    monkeypatch.setattr(queries, "_certified_first",
                        lambda *args: settled.append(found := certified_first(*args)) or found)
    rng = random.Random(seed)
    _world(rng)
    day = today()
    cetpro_ids = sorted(db.session.scalars(select(Cetpro.id)))
    shortcuts = 0
    for opening_id in db.session.scalars(select(Opening.id).where(Opening.state == "published")):
        opening = queries.opening_facts(queries.load_opening(opening_id))
        # As Recomendados asks: verified students of the targeted CETPROs (one, two, or all).
        for filters in ({}, {"verified_only": True}, {"cetpro_ids": cetpro_ids[:1], "verified_only": True},
                        {"cetpro_ids": cetpro_ids[1:]}):
            whole = queries.ranked_for_opening(opening, day, **filters)
            assert _summary(whole) == _summary(rank(opening, queries.candidates(opening, day, **filters), day))
            exclude = {m.candidate_id for m in rng.sample(whole, min(2, len(whole)))}
            for count in (1, 3, 10):
                expected = [m for m in whole if m.candidate_id not in exclude][:count]
                assert _summary(queries.best_for_opening(opening, count, day, exclude=exclude, **filters)) == \
                    _summary(expected), (opening_id, filters, count)
                shortcuts += bool(expected) and len(expected) == count and expected[-1].score > ceiling(opening)
    assert shortcuts  # the holders-first path answered some of them
    if not few_targets:  # (with the default, fewer of these small worlds' openings get that far)
        assert any(found is not None for found in settled)  # and the certified-first path some
        assert any(found is None for found in settled)  # not all


def test_the_certified_bound_is_the_engine_s_score_in_whole_numbers():
    """`_Bound` is `engine.points` of every item met but the skills not held (so many
    modules certified, the others only declared) scaled to whole numbers: rounded, it is
    that score, and no score of fewer items or fewer certified reaches above it."""
    from itertools import product

    from portal.matching.engine import Met, OpeningFacts, Requirement, points

    checked = 0
    for asked in product(range(3), range(2), range(3), range(2)):
        required_modules, required_skills, desired_modules, desired_skills = asked
        requirements = tuple(
            [Requirement(("module", n), "", True) for n in range(required_modules)]
            + [Requirement(("skill", f"r{n}"), "", True) for n in range(required_skills)]
            + [Requirement(("module", 10 + n), "", False) for n in range(desired_modules)]
            + [Requirement(("skill", f"d{n}"), "", False) for n in range(desired_skills)])
        facts = OpeningFacts(1, "empleo", 1, frozenset(), requirements, "15", "1501", "remoto")
        bound = queries._Bound.of(facts)
        required, desired = required_modules + required_skills, desired_modules + desired_skills
        for certified_required, certified_desired, held_required, held_desired, own in product(
                range(required_modules + 1), range(desired_modules + 1), range(required_skills + 1),
                range(desired_skills + 1), range(5, 36)):
            value = (bound.constant + bound.per_required * certified_required
                     + bound.per_desired * certified_desired + bound.scale * own
                     - bound.per_required_skill * (required_skills - held_required)
                     - bound.per_desired_skill * (desired_skills - held_desired))
            # place elsewhere (0), programme of the family (5): `own` is the rest
            best = points(Met(required_modules + held_required, required, desired_modules + held_desired, desired,
                              required_modules - certified_required, desired_modules - certified_desired),
                          "elsewhere", False, own - 5)
            assert bound.half_up(value) == best, (asked, certified_required, certified_desired, own)
            for met in product(range(required_modules + held_required + 1), range(desired_modules + held_desired + 1)):
                fewer = Met(met[0], required, met[1], desired, max(0, min(met[0], required_modules) - certified_required),
                            max(0, min(met[1], desired_modules) - certified_desired))
                assert points(fewer, "elsewhere", False, own - 5) <= best
            checked += 1
    assert checked > 3000


def test_best_for_opening_stops_reading_holders_once_nobody_unread_can_reach_the_top(app, monkeypatch):
    """The holders come best bound first and only the pages needed are read: an opening
    whose top is settled by the first page scores that page's candidates, not every holder."""
    from tests import factories

    monkeypatch.setattr(queries, "HOLDERS_PAGE", 2)
    cetpro = factories.cetpro()
    opening = factories.opening(required_modules=2)
    db.session.commit()
    facts = queries.opening_facts(queries.load_opening(opening.id))
    for held in (2, 2, *[1] * 8, 0, 0):
        factories.student(cetpro, opening.requirements[0].module.programme, modules=held)
    db.session.commit()
    whole = queries.ranked_for_opening(facts, today())
    scored = []
    score_rows = queries._scored
    monkeypatch.setattr(queries, "_scored", lambda f, rows, *args: scored.append(len(rows)) or score_rows(f, rows, *args))
    best = queries.best_for_opening(facts, 1, today())
    assert _summary(best) == _summary(whole[:1]) and best[0].required_met == 2
    assert best[0].score > ceiling(facts, 1, 0)  # nobody meeting one module can reach it
    assert scored == [2]  # the first page (the two meeting both), not the eight meeting one


def test_ceiling_is_the_best_score_without_meeting_any_item():
    from dataclasses import replace
    from datetime import date

    from portal.matching.engine import CandidateFacts, OpeningFacts, Requirement, score

    opening = OpeningFacts(1, "empleo", 7, frozenset({3}), (Requirement(("module", 1), "A", True),
                                                         Requirement(("skill", "x"), "X", False)),
                           "04", "0401", "presencial")
    best_without = CandidateFacts(1, 3, 7, "tecnico", "estudiante", None, "04", "0401")
    assert score(opening, best_without, date(2026, 11, 27)).score == ceiling(opening) == 35  # 0 + 0 + place 15 + programme 10 + level 5 + recency 5
    with_all = replace(best_without, module_ids=frozenset({1}), skills=frozenset({"x"}), certified_ids=frozenset({1}))
    assert score(opening, with_all, date(2026, 11, 27)).score == ceiling(opening, 1, 1) == 100
    # Only declared, the module counts DECLARED_WEIGHT of one: below the bound, never above.
    declared = replace(with_all, certified_ids=frozenset())
    assert score(opening, declared, date(2026, 11, 27)).score == 95 < ceiling(opening, 1, 1)


@pytest.mark.parametrize("seed", range(8))
def test_certified_first_bounds_level_recency_and_programme_from_the_profile(app, monkeypatch, seed):
    """Students of a remote opening with one or both of its modules certified, who differ in
    level, recency and programme, read one at a time: the bound of each part must hold, or
    an early stop would miss one."""
    from datetime import timedelta

    from portal.models import Certificate, Programme
    from tests import factories

    monkeypatch.setattr(queries, "HOLDER_BATCH", 1)
    rng = random.Random(seed)
    cetpro = factories.cetpro()
    opening = factories.opening(required_modules=2, work_mode="remoto")
    programme = factories.programme()
    other = db.session.scalars(select(Programme).where(Programme.family_id == programme.family_id,
                                                       Programme.id != programme.id)).first()
    if seed % 2:
        opening.programmes = [programme]
    db.session.commit()
    module_ids = [r.module_id for r in opening.requirements]
    day = today()
    for n in range(14):
        status = rng.choice(["estudiante", "egresado", "titulado"])
        user = factories.student(cetpro, rng.choice([programme, other]), status=status, modules=2,
                                 graduation_date=None if status == "estudiante"
                                 else day - timedelta(days=rng.choice([20, 364, 366, 729, 731, 900, 1500])))
        user.student.level = rng.choice(["tecnico", "auxiliar_tecnico"])
        for k, module_id in enumerate(rng.sample(module_ids, rng.randint(1, 2))):
            db.session.add(Certificate(code=f"B{seed}{n:03d}{k}", student_id=user.student.id, module_id=module_id,
                                       cetpro_id=cetpro.id, number=f"B-{seed}-{n}-{k}", issued_on=day,
                                       state="vigente"))
    db.session.commit()
    facts = queries.opening_facts(queries.load_opening(opening.id))
    whole = queries.ranked_for_opening(facts, day)
    assert len({m.score for m in whole}) >= 3
    settled = 0
    for count in (1, 2, 3, 5):
        found = queries._certified_first(facts, count, day, set(), {})
        settled += found is not None
        assert found is None or _summary(found) == _summary(whole[:count]), count
        assert _summary(queries.best_for_opening(facts, count, day)) == _summary(whole[:count]), count
    assert settled


def test_candidate_statement_reads_the_students_the_rules_name(app):
    """The candidates' statement, built once per shape with its values bound at execution,
    reads the students the rules name, read here off whole profiles: a programme of the
    opening's family or one it accepts, open to offers, email confirmed, of the CETPROs and
    verified when asked, not applied yet unless asked; of the law's modalities, every one
    the law lets take it (`legal_obstacle`), and of the others none but recent graduates
    for prácticas profesionales (the statement's window may be a few days wider than the
    law's 12 months; the engine's hard filter is exact)."""
    _world(random.Random(5))
    day = today()
    cetpro_ids = list(db.session.scalars(select(Cetpro.id)))
    profiles = list(db.session.scalars(select(StudentProfile)))
    by_id = {p.id: p for p in profiles}
    for unconfirmed in profiles[::7]:  # signed up, never confirmed: nobody's candidate
        unconfirmed.user.email_confirmed_at = None
    for graduate in profiles[1::5]:  # graduated years ago: no longer for prácticas profesionales
        graduate.status, graduate.graduation_date = "egresado", day - timedelta(days=3 * 365)
    db.session.commit()
    applied = set(db.session.execute(select(Application.opening_id, Application.student_id)).tuples())
    kinds = set()
    for opening_id in db.session.scalars(select(Opening.id).where(Opening.state != "draft")):
        opening = queries.opening_facts(queries.load_opening(opening_id))
        kinds.add(opening.kind)
        for filters in ({}, {"cetpro_ids": cetpro_ids[:1]}, {"cetpro_ids": cetpro_ids}, {"verified_only": True},
                        {"exclude_applied": False}):
            named = {p.id for p in profiles
                     if (p.programme.family_id == opening.family_id or p.programme_id in opening.programme_ids)
                     and p.open_to_offers and p.user.email_confirmed_at is not None
                     and p.cetpro_id in filters.get("cetpro_ids", [p.cetpro_id])
                     and (p.verification_state == "verified" or not filters.get("verified_only"))
                     and ((opening.id, p.id) not in applied or filters.get("exclude_applied") is False)}
            lawful = {p.id for p in profiles if p.id in named
                      and legal_obstacle(opening.kind, p.status, p.graduation_date, day) is None}
            statement, values = queries.candidate_statement(opening, day, **filters)
            read = {row[0] for row in db.session.execute(statement, values)}
            assert lawful <= read <= named, (opening_id, filters)
            assert all(opening.kind == "practicas_profesionales" and by_id[s].status != "estudiante"
                       and by_id[s].graduation_date >= day - timedelta(days=400) for s in read - lawful), \
                (opening_id, filters)
    assert {"practicas_preprofesionales", "practicas_profesionales"} <= kinds


def test_certified_first_bounds_the_skills_by_those_held(app, monkeypatch):
    """A remote opening asking a skill: its certified students are bounded by whether they
    hold it, so the top (the holders) is settled after reading about as many students as
    it has, not every certified one, and is still the whole ranking's head."""
    from sqlalchemy import event

    from portal.models import Certificate, OpeningRequirement, StudentSkill
    from tests import factories

    monkeypatch.setattr(queries, "HOLDER_BATCH", 1)
    cetpro = factories.cetpro()
    opening = factories.opening(required_modules=2, work_mode="remoto")
    opening.requirements.append(OpeningRequirement(skill="Trabajo en altura", skill_normalized="trabajo en altura",
                                                   required=False))
    db.session.commit()
    programme = opening.requirements[0].module.programme
    day = today()
    for n in range(12):
        student = factories.student(cetpro, programme, status="estudiante", modules=2).student
        for k, requirement in enumerate(opening.requirements[:2]):
            db.session.add(Certificate(code=f"S{n:03d}{k}", student_id=student.id, module_id=requirement.module_id,
                                       cetpro_id=cetpro.id, number=f"S-{n}-{k}", issued_on=day, state="vigente"))
        if n % 4 == 0:
            db.session.add(StudentSkill(student_id=student.id, name="Trabajo en altura", normalized="trabajo en altura"))
    db.session.commit()
    facts = queries.opening_facts(queries.load_opening(opening.id))
    whole = queries.ranked_for_opening(facts, day)
    read = []

    def count_reads(_connection, _statement, _multiparams, params, _options):
        read.extend(params.get("student_ids", ()))
    event.listen(db.engine, "before_execute", count_reads)
    try:
        found = queries._certified_first(facts, 3, day, set(), {})
    finally:
        event.remove(db.engine, "before_execute", count_reads)
    assert found is not None and _summary(found) == _summary(whole[:3])
    assert {(m.desired_met, m.desired_total) for m in found} == {(1, 1)}  # the skill's holders
    assert 3 <= len(read) <= 4 < len(whole)  # the three holders and the fourth, of twelve certified
