"""The transition table, exhaustively: every (from, to, actor) is allowed or refused as designed."""
import itertools

import pytest

from portal import vocab
from portal.applications import states

EXPECTED = {
    ("received", "viewed", "employer"), ("received", "viewed", "system"),
    ("received", "in_review", "employer"),
    ("received", "rejected", "employer"), ("received", "rejected", "system"),
    ("received", "withdrawn", "student"),
    ("viewed", "in_review", "employer"),
    ("viewed", "rejected", "employer"), ("viewed", "rejected", "system"),
    ("viewed", "withdrawn", "student"),
    ("in_review", "finalist", "employer"), ("in_review", "hired", "employer"),
    ("in_review", "rejected", "employer"), ("in_review", "rejected", "system"),
    ("in_review", "withdrawn", "student"),
    ("finalist", "hired", "employer"),
    ("finalist", "rejected", "employer"), ("finalist", "rejected", "system"),
    ("finalist", "withdrawn", "student"),
}

ALL = list(itertools.product(vocab.APPLICATION_STATES, vocab.APPLICATION_STATES, ("employer", "student", "system")))


@pytest.mark.parametrize("from_state, to_state, actor", ALL)
def test_every_move(from_state, to_state, actor):
    assert states.allowed(from_state, to_state, actor) == ((from_state, to_state, actor) in EXPECTED)


def test_final_states_are_final():
    for state in states.FINAL_STATES:
        assert states.targets(state, "employer") == [] and states.targets(state, "student") == []


def test_next_step_is_always_an_allowed_employer_move():
    for from_state, (to_state, _) in states.NEXT_STEP.items():
        assert states.allowed(from_state, to_state, "employer")


def test_open_states_are_those_a_student_may_still_withdraw_from():
    """OPEN_STATES is the one list every query and template reads: it must follow the table."""
    assert states.OPEN_STATES == tuple(s for s in states.TRANSITIONS if states.allowed(s, "withdrawn", "student"))
    assert set(states.OPEN_STATES) | set(states.FINAL_STATES) == set(vocab.APPLICATION_STATES)
