"""Seguimiento de egresados on a hand-computed world: the knowledge rate, the rates by cohort,
the median days to first placement, the related-job share, and the tenant boundary."""
from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import FollowUp
from portal.reports import outcomes
from tests import factories


def _hire(student, opening, start):
    application = factories.application(opening, student, state="hired")
    return factories.placement(student, start, kind=opening.kind, company=opening.company,
                               application=application)


@pytest.fixture
def seguimiento_world(app):
    """CETPRO Arequipa, Electricidad 2024: five graduates (g1..g5); 2025: one (g6); one current
    student with a job (not counted). CETPRO Cusco: one graduate of 2024 with a job.

    2024: g1 hired through the portal in an Electricidad-family opening 10 days after graduating;
    g2 a job recorded by hand 60 days after, whose 3-month follow-up says she now studies;
    g3 recorded as looking for work; g4 nothing known; g5 hired through the portal in another
    family's opening a month before graduating (0 days).
    Knowledge 4/5; employed g1, g5 = 2 of 4 known; studying 1; looking 1; days {10, 60, 0} → median 10;
    related 1 of 2 portal jobs. 2025: g6 a pasantía 10 days after: práctica 1 of 1, median 10.
    """
    electricidad = factories.programme("Electricidad")
    textil = factories.programme("Confección textil")
    arequipa = factories.cetpro(name="CETPRO Arequipa", ugel="UGEL Arequipa Norte")
    cusco = factories.cetpro(name="CETPRO Cusco", department="08", province="0801", ugel="UGEL Cusco")
    graduated = date(2024, 3, 1)
    g = {n: factories.student(arequipa, electricidad, graduation_date=graduated) for n in range(1, 6)}
    g[6] = factories.student(arequipa, electricidad, graduation_date=date(2025, 6, 1))
    same_family = factories.opening(kind="empleo")
    other_family = factories.opening(kind="empleo", family_id=textil.family_id)
    _hire(g[1], same_family, date(2024, 3, 11))
    later = factories.placement(g[2], date(2024, 4, 30))
    db.session.add(FollowUp(placement_id=later.id, months=3, due_date=date(2024, 7, 30), answer="not_working",
                            outcome="estudios"))
    factories.placement(g[3], date(2024, 5, 1), employer="", job_title="", outcome="buscando")
    _hire(g[5], other_family, date(2024, 2, 1))
    factories.placement(g[6], date(2025, 6, 11), kind="pasantia")
    current = factories.student(arequipa, electricidad, status="estudiante")
    factories.placement(current, date(2024, 5, 1))
    other = factories.student(cusco, electricidad, graduation_date=graduated)
    factories.placement(other, date(2024, 4, 1))
    db.session.commit()
    return {"arequipa": arequipa, "cusco": cusco, "electricidad": electricidad, "g": g}


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
