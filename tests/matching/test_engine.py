"""The engine with hand-computed scores: weights, ties, accents, missing data, legal window."""
from datetime import date

import pytest

from portal.matching.engine import CandidateFacts, OpeningFacts, Requirement, hard_filter, rank, score
from portal.skills import normalize_skill

TODAY = date(2026, 11, 26)


def opening(**changes) -> OpeningFacts:
    base = dict(
        id=1, kind="empleo", family_id=10, programme_ids=frozenset({100}),
        requirements=(
            Requirement(("module", 1), "Instalaciones domiciliarias", True),
            Requirement(("module", 2), "Instalaciones industriales", True),
            Requirement(("module", 3), "Tableros eléctricos", True),
            Requirement(("module", 4), "Máquinas eléctricas", True),
            Requirement(("skill", "trabajo en altura"), "Trabajo en altura", False),
        ),
        department_code="04", province_code="0401", work_mode="presencial",
    )
    base.update(changes)
    return OpeningFacts(**base)


def candidate(id=1, **changes) -> CandidateFacts:
    base = dict(
        id=id, programme_id=100, family_id=10, level="tecnico", status="egresado",
        graduation_date=date(2026, 5, 1), department_code="04", province_code="0401",
        module_ids=frozenset({1, 2, 3}), skills=frozenset(), programme_name="Electricidad", place_name="Arequipa",
    )
    base.update(changes)
    return CandidateFacts(**base)


def test_hand_computed_score_and_reasons():
    match = score(opening(), candidate(), TODAY)
    # required 3/4 × 50 = 37.5; desired 0/1 × 15 = 0; same province 15; accepted programme 10;
    # Técnico 5; graduated 6 months ago 5  → 72.5, shown as 73 (half up)
    assert match.score == 73
    assert (match.required_met, match.required_total, match.desired_met) == (3, 4, 0)
    assert match.missing == ["Máquinas eléctricas"]
    texts = [(r.kind, r.met, r.text) for r in match.reasons]
    assert ("required", False, "Máquinas eléctricas") in texts
    assert ("place", True, "Vive en Arequipa (misma provincia)") in texts
    assert match.summary == "Cumple 3 de 4 requisitos · Vive en Arequipa (misma provincia)"


def test_full_match_is_100():
    full = candidate(module_ids=frozenset({1, 2, 3, 4}), skills=frozenset({"trabajo en altura"}))
    assert score(opening(), full, TODAY).score == 100


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"province_code": "0402"}, 66),        # 72.5 - 15 + 8 (same department) = 65.5
        ({"department_code": "15", "province_code": "1501"}, 58),  # 72.5 - 15 (elsewhere) = 57.5
        ({"level": "auxiliar_tecnico"}, 71),    # 72.5 - 2 = 70.5
        ({"programme_id": 101}, 68),            # same family, not an accepted programme: 72.5 - 5
        ({"graduation_date": date(2025, 6, 1)}, 71),  # 17 months → 3 points: 70.5
        ({"graduation_date": date(2023, 1, 1)}, 69),  # older → 1 point: 68.5
        ({"status": "estudiante", "graduation_date": None}, 73),
    ],
)
def test_each_component(changes, expected):
    assert score(opening(), candidate(**changes), TODAY).score == expected


def test_remote_openings_match_everywhere():
    far = candidate(department_code="25", province_code="2501")
    assert score(opening(work_mode="remoto"), far, TODAY).score == 73


def test_opening_without_requirements_ranks_by_place_and_programme():
    empty = opening(requirements=())
    near = score(empty, candidate(id=1), TODAY)
    far = score(empty, candidate(id=2, department_code="15", province_code="1501"), TODAY)
    assert near.score == 50 + 15 + 15 + 10 + 5 + 5 == 100
    assert far.score == 85 and near.required_total == 0


def test_student_without_modules_still_appears_with_a_low_score_and_the_reason():
    match = score(opening(), candidate(module_ids=frozenset()), TODAY)
    assert match.score == 35  # 0 + 0 + 15 + 10 + 5 + 5
    assert match.missing == ["Instalaciones domiciliarias", "Instalaciones industriales",
                             "Tableros eléctricos", "Máquinas eléctricas"]


def test_skills_match_after_normalisation():
    facts = opening(requirements=(Requirement(("skill", normalize_skill("Trabajo en ALTURA ")), "Trabajo en altura", True),))
    typed = candidate(skills=frozenset({normalize_skill("trabajo  en altura")}))
    accented = candidate(skills=frozenset({normalize_skill("Trábajo en Altura")}))
    assert score(facts, typed, TODAY).required_met == 1
    assert score(facts, accented, TODAY).required_met == 1


def test_ties_break_by_required_met_then_id():
    people = [candidate(id=3), candidate(id=1), candidate(id=2)]
    assert [m.candidate_id for m in rank(opening(), people, TODAY)] == [1, 2, 3]


def test_hard_filters():
    assert hard_filter(opening(), candidate(family_id=11, programme_id=200), TODAY) is not None
    assert hard_filter(opening(programme_ids=frozenset({200})), candidate(family_id=11, programme_id=200), TODAY) is None
    assert hard_filter(opening(), candidate(open_to_offers=False), TODAY) == "No está recibiendo ofertas."


@pytest.mark.parametrize(
    "graduated, ok",
    [(date(2025, 11, 26), True), (date(2025, 11, 25), False)],
)
def test_professional_internship_window_at_12_months(graduated, ok):
    facts = opening(kind="practicas_profesionales")
    assert (hard_filter(facts, candidate(graduation_date=graduated), TODAY) is None) == ok


def test_preprofesionales_only_current_students():
    facts = opening(kind="practicas_preprofesionales")
    assert hard_filter(facts, candidate(), TODAY) is not None
    assert hard_filter(facts, candidate(status="estudiante", graduation_date=None), TODAY) is None


def test_rank_excludes_filtered_candidates():
    people = [candidate(id=1), candidate(id=2, open_to_offers=False), candidate(id=3, family_id=99, programme_id=999)]
    assert [m.candidate_id for m in rank(opening(), people, TODAY)] == [1]
