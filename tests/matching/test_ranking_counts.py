"""The ranking of one opening's candidates counts requirements met in SQL; it must give
exactly the engine's ranking from whole facts (every module and skill loaded)."""
import random

import pytest
from sqlalchemy import select

from portal.clock import today
from portal.extensions import db
from portal.matching import queries
from portal.matching.engine import ceiling, rank
from portal.models import Cetpro, Opening
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


@pytest.mark.parametrize("seed, batch, few_targets", [(4, queries.HOLDER_BATCH, queries.FEW_TARGETS), (5, 2, 0),
                                                      (6, 1, 0)])
def test_best_for_opening_is_the_head_of_the_whole_ranking(app, monkeypatch, seed, batch, few_targets):
    # batch 2 or 1: holders read a few at a time; few_targets 0: an opening for some CETPROs reads
    # the holders nationwide too (their batches filtered to the targets), not its candidates whole.
    monkeypatch.setattr(queries, "HOLDER_BATCH", batch)
    monkeypatch.setattr(queries, "FEW_TARGETS", few_targets)
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


def test_best_for_opening_stops_reading_holders_once_nobody_unread_can_reach_the_top(app, monkeypatch):
    """The holders come best bound first and only the batches needed are read: an opening
    whose top is settled by the first batch reads one batch of candidates' rows."""
    from tests import factories

    monkeypatch.setattr(queries, "HOLDER_BATCH", 2)
    cetpro = factories.cetpro()
    opening = factories.opening(required_modules=2)
    db.session.commit()
    facts = queries.opening_facts(queries.load_opening(opening.id))
    for held in (2, 2, 2, 1, 1, 0, 0):
        factories.student(cetpro, opening.requirements[0].module.programme, modules=held)
    db.session.commit()
    whole = queries.ranked_for_opening(facts, today())
    read = []
    rows_of = queries._rows_of
    monkeypatch.setattr(queries, "_rows_of", lambda c, q, ids: read.append(len(ids)) or rows_of(c, q, ids))
    best = queries.best_for_opening(facts, 1, today())
    assert _summary(best) == _summary(whole[:1]) and best[0].required_met == 2
    assert best[0].score > ceiling(facts, 1, 0)  # nobody meeting one module can reach it
    assert sum(read) < len(whole)  # not every holder was read


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
