"""The application state machine: the one table of allowed moves (DESIGN.md §3).

received (Recibida) → viewed (Vista, when the employer opens it) → in_review (En
evaluación) → finalist (Finalista) → hired (Seleccionado/a); from any open state the
employer may reject (Descartado/a, with a reason) and the student may withdraw.

When the opening itself ends, the system actor rejects every open application, with a
reason only the system gives (SYSTEM_REASONS), and the student is told why:
closing or filling → "Proceso finalizado"; suspension by staff → "Oferta suspendida";
expiry (the deadline passed and the employer had not decided) → "La empresa no decidió
a tiempo".

Why a suspended or expired opening *rejects* its open applications rather than freezing
them in a new state: the table can already say it honestly — the system may end any open
application, as closing has always done — and the reason names the cause, so nobody
reads it as the employer's verdict on their profile. A frozen state would be a third kind
of state, neither open nor final, that every count, filter, report and the employer's
pipeline would have to learn; and it would keep students waiting on an opening that is
usually suspended because it was fraudulent (asking applicants for money), which is the
harm being fixed. Should staff one day reinstate a suspended opening, its applications
are the ones rejected with "opening_suspended": that would be one more SYSTEM move
(rejected → received) for exactly those, not a change of this design.
"""
from __future__ import annotations

EMPLOYER, STUDENT, SYSTEM = "employer", "student", "system"

# from-state → {to-state: who may make that move}
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "received": {
        "viewed": frozenset({EMPLOYER, SYSTEM}),
        "in_review": frozenset({EMPLOYER}),
        "rejected": frozenset({EMPLOYER, SYSTEM}),
        "withdrawn": frozenset({STUDENT}),
    },
    "viewed": {
        "in_review": frozenset({EMPLOYER}),
        "rejected": frozenset({EMPLOYER, SYSTEM}),
        "withdrawn": frozenset({STUDENT}),
    },
    "in_review": {
        "finalist": frozenset({EMPLOYER}),
        "hired": frozenset({EMPLOYER}),
        "rejected": frozenset({EMPLOYER, SYSTEM}),
        "withdrawn": frozenset({STUDENT}),
    },
    "finalist": {
        "hired": frozenset({EMPLOYER}),
        "rejected": frozenset({EMPLOYER, SYSTEM}),
        "withdrawn": frozenset({STUDENT}),
    },
    "hired": {},
    "rejected": {},
    "withdrawn": {},
}

# Reasons only the system gives when the opening ends; an employer chooses among the others.
SYSTEM_REASONS = ("process_finished", "opening_suspended", "opening_expired")

# Still waiting for a decision. The one list of them: queries import it, templates read the
# OPEN_STATES global (portal/__init__.py).
OPEN_STATES = ("received", "viewed", "in_review", "finalist")
FINAL_STATES = ("hired", "rejected", "withdrawn")

# What the employer's main button does next, and its words.
NEXT_STEP = {
    "received": ("in_review", "Pasar a evaluación"),
    "viewed": ("in_review", "Pasar a evaluación"),
    "in_review": ("finalist", "Marcar finalista"),
    "finalist": ("hired", "Seleccionar"),
}


def allowed(from_state: str, to_state: str, actor: str) -> bool:
    return actor in TRANSITIONS.get(from_state, {}).get(to_state, frozenset())


def targets(from_state: str, actor: str) -> list[str]:
    return [to for to, actors in TRANSITIONS.get(from_state, {}).items() if actor in actors]


def ended_by_system() -> tuple[str, ...]:
    """The open states the system may move to `rejected` when an opening ends (from the table)."""
    return tuple(state for state in OPEN_STATES if allowed(state, "rejected", SYSTEM))
