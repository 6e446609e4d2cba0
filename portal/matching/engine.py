"""Matching by trade skill (DESIGN.md §4): one opening against many students, explained.

Pure: plain data in, plain data out; no Flask, no database, no templates. The
queries in portal.matching.queries do the hard filtering in SQL and build the
facts this module scores; the rules here are the single source of truth and are
repeated for every candidate so a ranking can always explain itself.

Hard filters (a candidate failing one is not ranked at all):
  - programme: the student's programme belongs to the opening's family, or is one
    of the opening's accepted programmes;
  - legal condition of the modality (Ley 28518): prácticas preprofesionales for
    current students; prácticas profesionales for graduates of ≤ 12 months;
  - the student is open to offers.
  (Already applied, or already placed in this opening, is filtered by the caller.)

Score, 0–100, the sum of (weights below):
  required   share of required modules/skills the student has × 50
             (an opening with no requirements gives everyone the full 50)
  desired    share of desired ones × 15 (none asked: the full 15)
  place      same province 15 · same department 8 · elsewhere 0 · remote opening 15
  programme  one of the accepted programmes 10 · same family only 5
  level      Técnico 5 · Auxiliar Técnico 3
  recency    current student or graduated ≤ 12 months ago 5 · ≤ 24 months 3 · older 1
Rounded half up to a whole number. Ties are broken by more required items met,
then by the candidate id (stable).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.applications.eligibility import add_months, legal_obstacle

WEIGHTS = {"required": 50, "desired": 15, "place": 15, "programme": 10, "level": 5, "recency": 5}
PLACE_POINTS = {"province": 15, "department": 8, "elsewhere": 0, "remote": 15}
PROGRAMME_POINTS = {"accepted": 10, "family": 5}
LEVEL_POINTS = {"tecnico": 5, "auxiliar_tecnico": 3}
RECENCY_POINTS = ((12, 5), (24, 3))  # (months since graduating ≤, points); older gets 1
RECENCY_OLD = 1
STRONG_SCORE = 70  # "strong candidate" on the coordinator's dashboard


@dataclass(frozen=True)
class Requirement:
    """A module (by id) or a free skill (by normalised name) the opening asks for."""

    key: tuple[str, int | str]  # ("module", 12) or ("skill", "trabajo en altura")
    label: str
    required: bool


@dataclass(frozen=True)
class OpeningFacts:
    id: int
    kind: str
    family_id: int
    programme_ids: frozenset[int]
    requirements: tuple[Requirement, ...]
    department_code: str | None
    province_code: str | None
    work_mode: str
    title: str = ""


@dataclass(frozen=True)
class CandidateFacts:
    id: int
    programme_id: int
    family_id: int
    level: str
    status: str
    graduation_date: date | None
    department_code: str | None
    province_code: str | None
    module_ids: frozenset[int] = frozenset()
    skills: frozenset[str] = frozenset()
    open_to_offers: bool = True
    programme_name: str = ""
    place_name: str = ""


@dataclass(frozen=True)
class Reason:
    kind: str  # required | desired | place | programme | level | recency | legal
    met: bool
    text: str


@dataclass
class Match:
    candidate_id: int
    score: int
    required_met: int
    required_total: int
    desired_met: int
    desired_total: int
    reasons: list[Reason] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # labels of required items not met

    @property
    def summary(self) -> str:
        """One line people read: 'Cumple 3 de 4 módulos requeridos · Vive en … (misma provincia)'."""
        parts = []
        if self.required_total:
            parts.append(f"Cumple {self.required_met} de {self.required_total} requisitos")
        parts += [r.text for r in self.reasons if r.kind == "place"]
        return " · ".join(parts)


def hard_filter(opening: OpeningFacts, candidate: CandidateFacts, today: date) -> str | None:
    """Why this candidate cannot be ranked for this opening (Spanish), or None."""
    if candidate.family_id != opening.family_id and candidate.programme_id not in opening.programme_ids:
        return "Su programa no corresponde a la familia productiva de la oferta."
    if not candidate.open_to_offers:
        return "No está recibiendo ofertas."
    return legal_obstacle(opening.kind, candidate.status, candidate.graduation_date, today)


def _has(candidate: CandidateFacts, requirement: Requirement) -> bool:
    kind, value = requirement.key
    if kind == "module":
        return value in candidate.module_ids
    return value in candidate.skills


def _months_since(day: date, today: date) -> int:
    months = (today.year - day.year) * 12 + today.month - day.month
    return months if add_months(day, months) <= today else months - 1


def score(opening: OpeningFacts, candidate: CandidateFacts, today: date) -> Match:
    """Score one candidate who passed the hard filters, with every reason."""
    reasons: list[Reason] = []
    required = [r for r in opening.requirements if r.required]
    desired = [r for r in opening.requirements if not r.required]
    required_met = [r for r in required if _has(candidate, r)]
    desired_met = [r for r in desired if _has(candidate, r)]
    for r in required:
        reasons.append(Reason("required", r in required_met, r.label))
    for r in desired:
        reasons.append(Reason("desired", r in desired_met, r.label))

    points = WEIGHTS["required"] * (len(required_met) / len(required) if required else 1)
    points += WEIGHTS["desired"] * (len(desired_met) / len(desired) if desired else 1)

    place = candidate.place_name or "un lugar no indicado"
    if opening.work_mode == "remoto":
        points += PLACE_POINTS["remote"]
        reasons.append(Reason("place", True, "Trabajo remoto: sirve desde cualquier lugar"))
    elif candidate.province_code and candidate.province_code == opening.province_code:
        points += PLACE_POINTS["province"]
        reasons.append(Reason("place", True, f"Vive en {place} (misma provincia)"))
    elif candidate.department_code and candidate.department_code == opening.department_code:
        points += PLACE_POINTS["department"]
        reasons.append(Reason("place", True, f"Vive en {place} (mismo departamento)"))
    else:
        reasons.append(Reason("place", False, f"Vive en {place} (otro departamento)"))

    programme = candidate.programme_name or "un programa"
    if candidate.programme_id in opening.programme_ids:
        points += PROGRAMME_POINTS["accepted"]
        reasons.append(Reason("programme", True, f"Estudió {programme} (programa aceptado)"))
    else:
        points += PROGRAMME_POINTS["family"]
        reasons.append(Reason("programme", False, f"Estudió {programme} (de la familia de la oferta)"))

    points += LEVEL_POINTS.get(candidate.level, 0)
    reasons.append(Reason("level", candidate.level == "tecnico",
                          "Nivel Técnico" if candidate.level == "tecnico" else "Nivel Auxiliar Técnico"))

    if candidate.status == "estudiante" or candidate.graduation_date is None:
        points += RECENCY_POINTS[0][1]
        reasons.append(Reason("recency", True, "Estudia actualmente"))
    else:
        months = _months_since(candidate.graduation_date, today)
        earned = next((p for limit, p in RECENCY_POINTS if months <= limit), RECENCY_OLD)
        points += earned
        reasons.append(Reason("recency", earned == RECENCY_POINTS[0][1],
                              f"Egresó hace {months} {'mes' if months == 1 else 'meses'}"))

    if opening.kind in ("practicas_preprofesionales", "practicas_profesionales"):
        reasons.append(Reason("legal", True, "Cumple la condición legal de la modalidad (Ley 28518)"))

    return Match(
        candidate_id=candidate.id,
        score=int(points + 0.5),  # half up: 72.5 shows as 73
        required_met=len(required_met),
        required_total=len(required),
        desired_met=len(desired_met),
        desired_total=len(desired),
        reasons=reasons,
        missing=[r.label for r in required if r not in required_met],
    )


def rank(opening: OpeningFacts, candidates, today: date) -> list[Match]:
    """Every candidate who passes the hard filters, best first."""
    matches = [score(opening, c, today) for c in candidates if hard_filter(opening, c, today) is None]
    matches.sort(key=lambda m: (-m.score, -m.required_met, m.candidate_id))
    return matches
