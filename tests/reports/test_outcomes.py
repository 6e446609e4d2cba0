"""Seguimiento de egresados on a hand-computed world: the knowledge rate, the rates by cohort,
the median days to first placement, the related-job share, and the tenant boundary."""
from __future__ import annotations

import pytest

from portal.reports import outcomes
from tests import factories


def _row(result, year):
    [row] = [r for r in result.rows if r.year == year]
    return row


def test_rates_by_cohort_on_the_hand_computed_world(seguimiento_world):
    result = outcomes.compute(outcomes.OutcomeScope(cetpro_id=seguimiento_world["arequipa"].id))
    row = _row(result, 2024)
    assert (row.graduates, row.known, row.unknown) == (5, 4, 1)
    assert row.knowledge_rate == pytest.approx(0.8)
    assert (row.employed, row.studying, row.looking, row.practica) == (2, 1, 1, 0)
    assert row.employed_rate == pytest.approx(0.5) and row.studying_rate == pytest.approx(0.25)
    assert row.days == {0: 1, 10: 1, 60: 1} and row.median_days == 10
    assert (row.related, row.family_known, row.related_rate) == (1, 2, 0.5)
    row25 = _row(result, 2025)
    assert (row25.graduates, row25.known, row25.practica, row25.employed, row25.median_days) == (1, 1, 1, 0, 10)
    total = result.total
    assert (total.graduates, total.known) == (6, 5)  # the current student is not a graduate


def test_a_coordinator_scope_never_counts_another_cetpro(seguimiento_world):
    cusco = outcomes.compute(outcomes.OutcomeScope(cetpro_id=seguimiento_world["cusco"].id))
    assert [(r.year, r.graduates, r.employed) for r in cusco.rows] == [(2024, 1, 1)]
    arequipa = outcomes.compute(outcomes.OutcomeScope(cetpro_id=seguimiento_world["arequipa"].id))
    assert arequipa.total.graduates == 6


def test_national_department_ugel_and_year_filters(seguimiento_world):
    assert outcomes.compute(outcomes.OutcomeScope()).total.graduates == 7
    assert outcomes.compute(outcomes.OutcomeScope(department_code="08")).total.graduates == 1
    assert outcomes.compute(outcomes.OutcomeScope(ugel="UGEL Arequipa Norte")).total.graduates == 6
    only_2025 = outcomes.compute(outcomes.OutcomeScope(year=2025))
    assert [(r.year, r.graduates) for r in only_2025.rows] == [(2025, 1)]
    assert outcomes.ugels() == ["UGEL Arequipa Norte", "UGEL Cusco"]


def test_a_scope_without_graduates_has_no_rates(app):
    result = outcomes.compute(outcomes.OutcomeScope(cetpro_id=factories.cetpro().id))
    assert result.rows == [] and result.total.knowledge_rate is None and result.total.median_days is None
