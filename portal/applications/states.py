"""The application state machine: the one table of allowed moves (DESIGN.md §3).

received (Recibida) → viewed (Vista, when the employer opens it) → in_review (En
evaluación) → finalist (Finalista) → hired (Seleccionado/a); from any open state the
employer may reject (Descartado/a, with a reason) and the student may withdraw.
Closing or filling the opening rejects every open one with "Proceso finalizado"
(the system actor).
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
