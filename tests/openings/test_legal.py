"""Ley 28518 checks at their exact boundaries. Pure: no app needed."""
from datetime import date
from decimal import Decimal as D

import pytest

from portal.openings import legal

RMV = D("1130")


def fields(problems):
    return {p.field for p in problems}


@pytest.mark.parametrize(
    "kind, day, week, ok",
    [
        ("practicas_preprofesionales", D(6), D(30), True),
        ("practicas_preprofesionales", D("6.5"), D(30), False),
        ("practicas_preprofesionales", D(6), D(31), False),
        ("practicas_profesionales", D(8), D(48), True),
        ("practicas_profesionales", D(9), D(48), False),
        ("practicas_profesionales", D(8), D("48.5"), False),
        ("pasantia", D(8), D(48), True),
    ],
)
def test_hour_limits(kind, day, week, ok):
    problems = legal.check(kind, day, week, D("5000"), RMV)
    assert (not ({"hours_per_day", "hours_per_week"} & fields(problems))) == ok


def test_hour_limit_message_names_the_rule_and_the_number():
    [problem] = legal.check("practicas_preprofesionales", D(7), D(30), D(2000), RMV)
    assert problem.message == "Prácticas preprofesionales: como máximo 6 horas diarias (Ley 28518); pusiste 7."


@pytest.mark.parametrize(
    "kind, week, pay, ok",
    [
        ("practicas_preprofesionales", D(30), D("1130.00"), True),
        ("practicas_preprofesionales", D(30), D("1129.99"), False),
        ("practicas_preprofesionales", D(15), D("565.00"), True),
        ("practicas_preprofesionales", D(15), D("564.99"), False),
        ("practicas_profesionales", D(24), D("565.00"), True),
        ("practicas_profesionales", D(24), D("564.99"), False),
        ("practicas_profesionales", D(48), D("1130.00"), True),
        ("empleo", D(48), D("1129.99"), False),
        ("empleo", D(48), None, True),  # a job may leave pay "a convenir"
    ],
)
def test_minimum_pay_is_one_rmv_at_maximum_hours_and_proportional_below(kind, week, pay, ok):
    problems = legal.check(kind, D(6), week, pay, RMV)
    assert ("pay_monthly" not in fields(problems)) == ok


@pytest.mark.parametrize("pay", [None, D(0)])
def test_unpaid_internship_is_refused_naming_the_minimum(pay):
    [problem] = legal.check("practicas_preprofesionales", D(4), D(20), pay, RMV, date(2025, 1, 1))
    assert problem.field == "pay_monthly"
    assert "S/\xa0753.34" in problem.message
    assert "S/\xa01,130.00 (vigente desde el 1 ene. 2025)" in problem.message
    assert "20 de 30 horas semanales" in problem.message


def test_minimum_rounds_up_to_the_cent():
    assert legal.minimum_pay("practicas_preprofesionales", D(20), RMV) == D("753.34")
    assert legal.minimum_pay("practicas_profesionales", None, RMV) == D("1130.00")


def test_weekly_hours_cannot_exceed_seven_days_of_daily_hours():
    problems = legal.check("empleo", D(4), D(30), None, RMV)
    assert "hours_per_week" in fields(problems)
