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
             A module counts whole when her CETPRO certified it (a certificate in force,
             portal/certificates), DECLARED_WEIGHT of one when she only declared it (ticked
             in her profile); a skill counts whole (nothing certifies a skill).
  place      same province 15 · same department 8 · elsewhere 0 · remote opening 15
  programme  one of the accepted programmes 10 · same family only 5
  level      Técnico 5 · Auxiliar Técnico 3
  recency    current student or graduated ≤ 12 months ago 5 · ≤ 24 months 3 · older 1
Rounded half up to a whole number. Ties are broken by fewer modules met only by
declaration, then by more required items met, then by the candidate id (stable).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import NamedTuple

from portal import places
from portal.applications.eligibility import add_months, legal_obstacle

WEIGHTS = {"required": 50, "desired": 15, "place": 15, "programme": 10, "level": 5, "recency": 5}
PLACE_POINTS = {"province": 15, "department": 8, "elsewhere": 0, "remote": 15}
PROGRAMME_POINTS = {"accepted": 10, "family": 5}
LEVEL_POINTS = {"tecnico": 5, "auxiliar_tecnico": 3}
RECENCY_POINTS = ((12, 5), (24, 3))  # (months since graduating ≤, points); older gets 1
RECENCY_OLD = 1
# A module met only by the student's word (no certificate in force) counts this share of one
# her CETPRO certified: the one weight of certification, wherever a score is made.
DECLARED_WEIGHT = 0.9
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
    # None when not loaded: a ranking by counts (portal.matching.queries) loads them only
    # for the page it shows, and reading a reason without them fails instead of lying.
    module_ids: frozenset[int] | None = frozenset()  # the modules she declared (ticked)
    skills: frozenset[str] | None = frozenset()
    open_to_offers: bool = True
    programme_name: str = ""
    place_name: str = ""
    # The modules her CETPRO certified (a certificate in force; declared or not): held too,
    # and counted whole.
    certified_ids: frozenset[int] | None = frozenset()


class Met(NamedTuple):
    """What a candidate meets of an opening's requirements, counted: the items met, the
    items asked, and how many of those met are modules only declared (no certificate in
    force), which count DECLARED_WEIGHT of one."""

    required_met: int
    required: int
    desired_met: int
    desired: int
    required_declared: int = 0
    desired_declared: int = 0


@dataclass(frozen=True)
class Reason:
    kind: str  # required | desired | place | programme | level | recency | legal
    met: bool
    text: str
    # A requirement's key (("module", 12), ("skill", "…")), so a page can say what backs a
    # met module (certified or declared); not part of what a reason is.
    key: tuple | None = field(default=None, compare=False)


@dataclass
class Match:
    """A score with what it was computed from; the reasons are written only when read
    (a page shows 25 of thousands of ranked candidates)."""

    candidate_id: int
    score: int
    required_met: int
    required_total: int
    desired_met: int
    desired_total: int
    opening: OpeningFacts = field(repr=False, compare=False, default=None)
    candidate: CandidateFacts = field(repr=False, compare=False, default=None)
    today: date = field(repr=False, compare=False, default=None)
    required_declared: int = 0  # of the items met, modules only declared (no certificate in force)
    desired_declared: int = 0

    @property
    def declared_only(self) -> int:
        """Modules met only by the student's word: the tie-break among equal scores."""
        return self.required_declared + self.desired_declared

    @cached_property
    def reasons(self) -> list[Reason]:
        return explain(self.opening, self.candidate, self.today)

    @cached_property
    def missing(self) -> list[str]:
        """Labels of the required items the candidate lacks."""
        return [r.label for r in self.opening.requirements if r.required and not _has(self.candidate, r)]

    @cached_property
    def declared(self) -> list[str]:
        """Labels of the modules asked for that the candidate meets only by declaring them."""
        return [r.label for r in self.opening.requirements if _declared_only(self.candidate, r)]

    @cached_property
    def certified(self) -> list[str]:
        """Labels of the modules asked for that the candidate's CETPRO certified (in force)."""
        return [r.label for r in self.opening.requirements
                if r.key[0] == "module" and r.key[1] in self.candidate.certified_ids]

    @property
    def summary(self) -> str:
        """One line people read: 'Cumple 3 de 4 requisitos · Vive en … (misma provincia)'."""
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
        return value in candidate.module_ids or value in candidate.certified_ids
    return value in candidate.skills


def _declared_only(candidate: CandidateFacts, requirement: Requirement) -> bool:
    kind, value = requirement.key
    return kind == "module" and value in candidate.module_ids and value not in candidate.certified_ids


def _months_since(day: date, today: date) -> int:
    months = (today.year - day.year) * 12 + today.month - day.month
    return months if add_months(day, months) <= today else months - 1


def place_kind(opening: OpeningFacts, candidate: CandidateFacts) -> str:
    if opening.work_mode == "remoto":
        return "remote"
    if candidate.province_code and candidate.province_code == opening.province_code:
        return "province"
    if candidate.department_code and candidate.department_code == opening.department_code:
        return "department"
    return "elsewhere"


def _recency(candidate: CandidateFacts, today: date) -> tuple[int, int | None]:
    """(points, months since graduating or None for a current student)."""
    if candidate.status == "estudiante" or candidate.graduation_date is None:
        return RECENCY_POINTS[0][1], None
    months = _months_since(candidate.graduation_date, today)
    return next((p for limit, p in RECENCY_POINTS if months <= limit), RECENCY_OLD), months


def score(opening: OpeningFacts, candidate: CandidateFacts, today: date) -> Match:
    """Score one candidate who passed the hard filters (numbers only; reasons on demand)."""
    return score_counted(opening, candidate, today, count_met(opening.requirements, candidate.module_ids,
                                                              candidate.skills, candidate.certified_ids))


def count_met(requirements, module_ids, skills, certified_ids=frozenset()) -> Met:
    """What of these requirements a candidate with these declared modules, skills and
    certified modules meets: `_has`'s rule (a module by id, declared or certified; a skill by
    its normalised name), inline because recommendations count it for every opening."""
    required = desired = required_met = desired_met = required_declared = desired_declared = 0
    for requirement in requirements:
        kind, value = requirement.key
        if kind == "module":
            certified = value in certified_ids
            declared = not certified and value in module_ids
            met = certified or declared
        else:
            met, declared = value in skills, False
        if requirement.required:
            required += 1
            required_met += met
            required_declared += declared
        else:
            desired += 1
            desired_met += met
            desired_declared += declared
    return Met(required_met, required, desired_met, desired, required_declared, desired_declared)


def score_counted(opening: OpeningFacts, candidate: CandidateFacts, today: date, met: Met) -> Match:
    """The score when the requirements met were already counted (in SQL, for many openings).

    `score` counts them itself; both add the points here, so the weights live in one place.
    """
    total = points(met, place_kind(opening, candidate), candidate.programme_id in opening.programme_ids,
                   candidate_points(candidate, today))
    return matched(candidate.id, total, met, opening, candidate, today)


def matched(candidate_id: int, total: int, met: Met, opening: OpeningFacts, candidate: CandidateFacts,
            today: date) -> Match:
    """A Match of a score and the counts it was made from."""
    return Match(candidate_id, total, met.required_met, met.required, met.desired_met, met.desired, opening,
                 candidate, today, met.required_declared, met.desired_declared)


def candidate_points(candidate: CandidateFacts, today: date) -> int:
    """The points that depend on the candidate alone (level and recency), whatever the opening."""
    return LEVEL_POINTS.get(candidate.level, 0) + _recency(candidate, today)[0]


def points(met: Met, place: str, accepted_programme: bool, own_points: int) -> int:
    """The score from its parts; every way of scoring ends here, so the weights live once.

    `met` is what `count_met` counts (or the same counts made in SQL), `place` what
    `place_kind` says ("province", "department", "elsewhere", "remote"), and `own_points`
    what `candidate_points` says. A module only declared counts DECLARED_WEIGHT of one.
    """
    required_met, required, desired_met, desired, required_declared, desired_declared = met
    if required:
        total = WEIGHTS["required"] * (required_met - required_declared * (1 - DECLARED_WEIGHT)) / required
    else:
        total = WEIGHTS["required"]
    if desired:
        total += WEIGHTS["desired"] * (desired_met - desired_declared * (1 - DECLARED_WEIGHT)) / desired
    else:
        total += WEIGHTS["desired"]
    total += PLACE_POINTS[place]
    total += PROGRAMME_POINTS["accepted" if accepted_programme else "family"]
    return int(total + own_points + 0.5)  # half up


def ceiling(opening: OpeningFacts, required_met: int = 0, desired_met: int = 0) -> int:
    """The highest score a candidate meeting this many of the opening's required and desired
    items can reach (best place, programme, level and recency, every module met certified).
    The score grows with the items met, so whoever scores above it outranks everyone who
    meets as many or fewer."""
    best_own = max(LEVEL_POINTS.values()) + RECENCY_POINTS[0][1]
    required = sum(1 for r in opening.requirements if r.required)
    return points(Met(required_met, required, desired_met, len(opening.requirements) - required), "province",
                  bool(opening.programme_ids), best_own)


def explain(opening: OpeningFacts, candidate: CandidateFacts, today: date) -> list[Reason]:
    """Every reason behind a score, in the words people read."""
    reasons = [Reason("required" if r.required else "desired", _has(candidate, r), r.label, r.key)
               for r in sorted(opening.requirements, key=lambda r: not r.required)]
    place = candidate.place_name or places.name(candidate.province_code or "") or \
        places.name(candidate.department_code or "") or "un lugar no indicado"
    where = place_kind(opening, candidate)
    reasons.append({
        "remote": Reason("place", True, "Trabajo remoto: sirve desde cualquier lugar"),
        "province": Reason("place", True, f"Vive en {place} (misma provincia)"),
        "department": Reason("place", True, f"Vive en {place} (mismo departamento)"),
        "elsewhere": Reason("place", False, f"Vive en {place} (otro departamento)"),
    }[where])
    programme = candidate.programme_name or "un programa"
    if candidate.programme_id in opening.programme_ids:
        reasons.append(Reason("programme", True, f"Estudió {programme} (programa aceptado)"))
    else:
        reasons.append(Reason("programme", False, f"Estudió {programme} (de la familia de la oferta)"))
    reasons.append(Reason("level", candidate.level == "tecnico",
                          "Nivel Técnico" if candidate.level == "tecnico" else "Nivel Auxiliar Técnico"))
    points, months = _recency(candidate, today)
    if months is None:
        reasons.append(Reason("recency", True, "Estudia actualmente"))
    else:
        reasons.append(Reason("recency", points == RECENCY_POINTS[0][1],
                              f"Egresó hace {months} {'mes' if months == 1 else 'meses'}"))
    if opening.kind in ("practicas_preprofesionales", "practicas_profesionales"):
        reasons.append(Reason("legal", True, "Cumple la condición legal de la modalidad (Ley 28518)"))
    return reasons


def best_first(matches: list[Match]) -> list[Match]:
    """Sorts in place by score, then fewer modules met only by declaration (a certified one
    first), then required items met, then candidate id (stable ties)."""
    matches.sort(key=lambda m: (-m.score, m.required_declared + m.desired_declared, -m.required_met,
                                m.candidate_id))
    return matches


def rank(opening: OpeningFacts, candidates, today: date) -> list[Match]:
    """Every candidate who passes the hard filters, best first."""
    return best_first([score(opening, c, today) for c in candidates if hard_filter(opening, c, today) is None])
