"""Report figures against the hand-computed world in tests/helpers/reports.py (no HTTP)."""
from datetime import date

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.reports import figures
from portal.reports.figures import Scope, median_of_histogram
from tests import factories
from tests.helpers.reports import TODAY


def rates(rows):
    return {row.label: (row.graduates, row.placed, None if row.rate is None else round(row.rate, 4))
            for row in rows}


def counts(rows):
    return {row.label: row.count for row in rows}


def retention(report):
    return {r.months: (r.working, r.not_working, r.unanswered, None if r.share is None else round(r.share, 4))
            for r in report.retention}


def test_a_cetpro_report_matches_the_hand_computed_figures(world):
    report = figures.compute(Scope(cetpro_id=world.a.id), today=TODAY)

    assert (report.graduates, report.placed) == (9, 4)
    assert report.rate == pytest.approx(4 / 9)
    assert rates(report.by_programme) == {"Cocina": (3, 1, 0.3333), "Electricidad": (6, 3, 0.5)}
    assert rates(report.by_year) == {"2024": (7, 3, 0.4286), "2025": (2, 1, 0.5)}
    assert [row.key for row in report.by_year] == [2024, 2025]
    assert report.years == [2025, 2024]

    # e2 started 46 days before graduating: counted as 0, not as -46.
    assert report.days_histogram == {0: 1, 30: 1, 45: 1, 120: 1}
    assert report.median_days == 37.5
    assert report.days_counted == 4

    assert retention(report) == {3: (3, 1, 1, 0.75), 6: (2, 1, 0, 0.6667), 12: (0, 1, 1, 0.0)}

    assert counts(report.by_kind) == {"Empleo": 3, "Prácticas preprofesionales": 2, "Prácticas profesionales": 1}
    assert [row.key for row in report.by_kind] == ["empleo", "practicas_preprofesionales", "practicas_profesionales"]
    assert counts(report.by_department) == {"Arequipa": 3, "Cusco": 1, "Lima": 1, "Sin departamento": 1}
    # The registered company by its trade name; two spellings of one hand-typed employer merged.
    assert [(row.label, row.count) for row in report.top_companies] == [
        ("Eléctrica del Sur", 3), ("Taller Quispe", 2), ("Montajes Andinos S.A.C.", 1)]
    assert counts(report.outcomes) == {"Seleccionados(as)": 1, "Descartados(as)": 2, "Retiradas": 1, "En proceso": 3}
    assert report.placements == 6 and report.applications == 7


def test_the_year_filter_keeps_that_years_graduates_everywhere(world):
    report = figures.compute(Scope(cetpro_id=world.a.id, year=2024), today=TODAY)

    assert (report.graduates, report.placed) == (7, 3)
    assert rates(report.by_programme) == {"Cocina": (3, 1, 0.3333), "Electricidad": (4, 2, 0.5)}
    assert rates(report.by_year) == {"2024": (7, 3, 0.4286)}
    assert report.years == [2025, 2024]  # the choices ignore the filter
    assert report.median_days == 30
    # Without e5 (2025) and s1 (still studying).
    assert retention(report) == {3: (2, 0, 1, 1.0), 6: (2, 1, 0, 0.6667), 12: (0, 1, 1, 0.0)}
    assert counts(report.by_kind) == {"Empleo": 2, "Prácticas preprofesionales": 1, "Prácticas profesionales": 1}
    assert counts(report.outcomes) == {"Seleccionados(as)": 1, "Descartados(as)": 2, "Retiradas": 1, "En proceso": 2}


def test_the_programme_filter_keeps_that_programmes_students(world):
    report = figures.compute(Scope(cetpro_id=world.a.id, programme_id=world.cocina.id), today=TODAY)

    assert rates(report.by_programme) == {"Cocina": (3, 1, 0.3333)}
    assert rates(report.by_year) == {"2024": (3, 1, 0.3333)}
    assert report.median_days == 120
    assert retention(report) == {3: (0, 0, 1, None), 6: (1, 0, 0, 1.0), 12: (0, 0, 0, None)}
    assert counts(report.by_department) == {"Cusco": 1}
    assert counts(report.top_companies) == {"taller quispe ": 1}
    assert counts(report.outcomes)["Descartados(as)"] == 1

    both = figures.compute(Scope(cetpro_id=world.a.id, programme_id=world.electricidad.id, year=2025), today=TODAY)
    assert rates(both.by_programme) == {"Electricidad": (2, 1, 0.5)}
    assert both.median_days == 45


def test_another_cetpros_numbers_are_never_counted(world):
    b = figures.compute(Scope(cetpro_id=world.b.id), today=TODAY)
    assert (b.graduates, b.placed, b.placements, b.applications) == (2, 1, 1, 1)
    assert retention(b)[3] == (0, 1, 0, 0.0)
    assert b.median_days == 61  # 1 March to 1 May 2024


def test_department_and_national_scopes_add_the_cetpros_up(world):
    arequipa = figures.compute(Scope(department_code="04"), today=TODAY)
    assert (arequipa.graduates, arequipa.placed) == (11, 5)
    assert rates(arequipa.by_programme)["Electricidad"] == (8, 4, 0.5)

    cusco = figures.compute(Scope(department_code="08"), today=TODAY)
    assert (cusco.graduates, cusco.placed, cusco.placements) == (1, 1, 1)

    national = figures.compute(Scope(), today=TODAY)
    assert (national.graduates, national.placed) == (12, 6)
    assert national.placements == 8 and national.applications == 8
    assert counts(national.outcomes) == {"Seleccionados(as)": 2, "Descartados(as)": 2, "Retiradas": 1, "En proceso": 3}
    assert retention(national)[3] == (3, 2, 1, 0.6)
    # A CETPRO wins over the department it may come with.
    assert figures.compute(Scope(cetpro_id=world.c.id, department_code="04"), today=TODAY).graduates == 1


def test_an_empty_cetpro_gives_no_rates_and_no_division_by_zero(app):
    report = figures.compute(Scope(cetpro_id=factories.cetpro().id), today=TODAY)
    assert report.is_empty
    assert (report.graduates, report.placed, report.rate, report.median_days) == (0, 0, None, None)
    assert report.by_programme == [] and report.by_year == [] and report.years == []
    assert [(r.months, r.answered, r.share) for r in report.retention] == [(3, 0, None), (6, 0, None), (12, 0, None)]
    assert [r.count for r in report.outcomes] == [0, 0, 0, 0]
    assert [r.count for r in report.day_ranges] == [0] * 6


def test_graduates_without_placements_give_a_zero_rate_not_an_empty_one(app):
    cetpro = factories.cetpro()
    factories.student(cetpro, status="egresado", graduation_date=date(2024, 5, 1))
    report = figures.compute(Scope(cetpro_id=cetpro.id), today=TODAY)
    assert (report.graduates, report.placed, report.rate, report.median_days) == (1, 0, 0.0, None)
    assert not report.is_empty


def test_day_ranges_fold_the_histogram(world):
    report = figures.compute(Scope(cetpro_id=world.a.id), today=TODAY)
    assert [(row.label, row.count) for row in report.day_ranges] == [
        ("Antes de egresar o el mismo día", 1), ("De 1 a 30 días", 1), ("De 31 a 90 días", 1),
        ("De 91 a 180 días", 1), ("De 181 a 365 días", 0), ("Más de un año", 0)]


@pytest.mark.parametrize("histogram, expected", [
    ({}, None),
    ({7: 1}, 7),
    ({1: 1, 2: 1, 10: 1}, 2),
    ({1: 1, 2: 1, 10: 1, 40: 1}, 6),
    ({0: 3, 100: 1}, 0),
    ({0: 2, 100: 2}, 50),
    ({5: 1000, 6: 1001}, 6),
])
def test_median_of_a_histogram(histogram, expected):
    assert median_of_histogram(histogram) == expected


def test_figures_are_a_fixed_number_of_grouped_queries(world):
    """However many students there are: no query per row."""
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        figures.compute(Scope(cetpro_id=world.a.id), today=TODAY)
        few = len(statements)
        for _ in range(5):
            factories.student(world.a, status="egresado", graduation_date=date(2023, 1, 1))
        statements.clear()
        figures.compute(Scope(cetpro_id=world.a.id), today=TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == few <= 10
