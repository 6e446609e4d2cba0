"""The pure rules: follow-up dates at month ends, overdue, and the MTPE registration deadline."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from portal.placements import rules


@pytest.mark.parametrize("start, months, due", [
    (date(2025, 1, 31), 3, date(2025, 4, 30)),   # April has 30 days
    (date(2025, 1, 31), 6, date(2025, 7, 31)),
    (date(2025, 1, 31), 12, date(2026, 1, 31)),
    (date(2024, 2, 29), 3, date(2024, 5, 29)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),  # no 29 Feb in 2025
    (date(2023, 11, 30), 3, date(2024, 2, 29)),  # leap February
    (date(2024, 11, 30), 3, date(2025, 2, 28)),
    (date(2024, 8, 31), 6, date(2025, 2, 28)),
    (date(2024, 12, 31), 6, date(2025, 6, 30)),
    (date(2025, 10, 15), 3, date(2026, 1, 15)),  # across the year
])
def test_due_dates_clamp_to_the_end_of_the_month(start, months, due):
    assert rules.due_date(start, months) == due


def test_latest_start_due_is_exactly_the_set_of_due_starts():
    """`start <= latest_start_due(on, m)` ⟺ `due_date(start, m) <= on`, for every day of a leap year."""
    for offset in range(366):
        on = date(2024, 1, 1) + timedelta(days=offset)
        for months in rules.FOLLOW_UP_MONTHS:
            cutoff = rules.latest_start_due(on, months)
            assert rules.due_date(cutoff, months) <= on
            assert rules.due_date(cutoff + timedelta(days=1), months) > on


def test_due_months():
    start = date(2025, 1, 31)
    assert rules.due_months(start, date(2025, 4, 29)) == []
    assert rules.due_months(start, date(2025, 4, 30)) == [3]
    assert rules.due_months(start, date(2025, 7, 31)) == [3, 6]
    assert rules.due_months(start, date(2026, 1, 31)) == [3, 6, 12]


@pytest.mark.parametrize("days_after_due, answered, state", [
    (-1, False, "scheduled"),
    (0, False, "due"),
    (14, False, "due"),
    (15, False, "overdue"),  # more than 14 days unanswered
    (40, True, "answered"),
])
def test_follow_up_state(days_after_due, answered, state):
    due = date(2025, 4, 30)
    assert rules.follow_up_state(due, answered, due + timedelta(days=days_after_due)) == state


def test_slots_use_rows_where_they_exist():
    row = SimpleNamespace(months=3, due_date=date(2025, 4, 30), answer="still_there")
    slots = rules.slots(date(2025, 1, 31), [row], date(2025, 8, 20))
    assert [(s.months, s.due, s.state) for s in slots] == [
        (3, date(2025, 4, 30), "answered"),
        (6, date(2025, 7, 31), "overdue"),
        (12, date(2026, 1, 31), "scheduled"),
    ]
    assert slots[0].follow_up is row and slots[1].follow_up is None
    assert [s.answerable for s in slots] == [False, True, False]


def test_parties_include_the_cetpro_only_for_practicas_preprofesionales():
    assert rules.agreement_parties("practicas_preprofesionales") == ("company", "student", "cetpro")
    assert rules.agreement_parties("practicas_profesionales") == ("company", "student")


@pytest.mark.parametrize("signed_days_ago, registered, state, days_left", [
    (None, None, "unsigned", None),
    (9, None, "pending", 6),
    (10, None, "approaching", 5),  # warned 5 days ahead
    (15, None, "approaching", 0),  # the last day
    (16, None, "late", -1),
    (20, 5, "registered", None),
    (20, 2, "registered_late", None),  # registered 18 days after signing
])
def test_registration_deadline(signed_days_ago, registered, state, days_left):
    on = date(2025, 6, 30)
    signed = on - timedelta(days=signed_days_ago) if signed_days_ago is not None else None
    registered_on = on - timedelta(days=registered) if registered is not None else None
    check = rules.agreement_check("practicas_profesionales", signed, registered_on, on)
    assert check.state == state and check.days_left == days_left
    if signed:
        assert check.deadline == signed + timedelta(days=15)


def test_deadline_warnings_speak_spanish():
    on = date(2025, 6, 30)
    assert rules.agreement_check("pasantia", on - timedelta(days=14), None, on).warning == (
        "El plazo para registrar el convenio ante el MTPE vence mañana (1 jul. 2025).")
    assert rules.agreement_check("pasantia", on - timedelta(days=17), None, on).warning == (
        "El plazo para registrar el convenio ante el MTPE venció el 28 jun. 2025 (hace 2 días).")
    assert rules.agreement_check("pasantia", on - timedelta(days=3), None, on).warning is None
