"""The engine with hand-computed scores: weights, certified or declared modules, ties,
accents, missing data, legal window."""
from datetime import date

import pytest

from portal.matching.engine import (
    DECLARED_WEIGHT,
    CandidateFacts,
    Met,
    OpeningFacts,
    Requirement,
    ceiling,
    count_met,
    hard_filter,
    points,
    rank,
    score,
)
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
    """Declared modules 1–3, each certified by her CETPRO too (counted whole)."""
    base = dict(
        id=id, programme_id=100, family_id=10, level="tecnico", status="egresado",
        graduation_date=date(2026, 5, 1), department_code="04", province_code="0401",
        module_ids=frozenset({1, 2, 3}), skills=frozenset(), programme_name="Electricidad", place_name="Arequipa",
        certified_ids=frozenset({1, 2, 3}),
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
    full = candidate(module_ids=frozenset({1, 2, 3, 4}), skills=frozenset({"trabajo en altura"}),
                     certified_ids=frozenset({1, 2, 3, 4}))
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
    match = score(opening(), candidate(module_ids=frozenset(), certified_ids=frozenset()), TODAY)
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


# --- Certified or declared ------------------------------------------------------------------


def test_a_module_only_declared_counts_the_declared_weight_of_a_certified_one():
    assert DECLARED_WEIGHT == 0.9
    declared = score(opening(), candidate(certified_ids=frozenset()), TODAY)
    # required (3 × 0.9) / 4 × 50 = 33.75; the rest as before (35) → 68.75, shown as 69
    assert declared.score == 69
    assert (declared.required_met, declared.required_declared, declared.declared_only) == (3, 3, 3)
    assert declared.declared == ["Instalaciones domiciliarias", "Instalaciones industriales", "Tableros eléctricos"]
    mixed = score(opening(), candidate(certified_ids=frozenset({1})), TODAY)
    # (1 + 2 × 0.9) / 4 × 50 = 35 → 70
    assert mixed.score == 70 and mixed.required_declared == 2 and mixed.declared == [
        "Instalaciones industriales", "Tableros eléctricos"]
    assert score(opening(), candidate(), TODAY).declared == []


def test_a_certified_module_she_did_not_declare_is_met_and_counts_whole():
    certified_only = candidate(module_ids=frozenset(), certified_ids=frozenset({1, 2, 3}))
    match = score(opening(), certified_only, TODAY)
    assert match.score == 73 and match.required_met == 3 and match.declared_only == 0
    assert [r.text for r in match.reasons if r.kind == "required" and r.met] == [
        "Instalaciones domiciliarias", "Instalaciones industriales", "Tableros eléctricos"]


def test_skills_are_not_weighted_nothing_certifies_them():
    facts = opening(requirements=(Requirement(("skill", "trabajo en altura"), "Trabajo en altura", True),))
    assert score(facts, candidate(skills=frozenset({"trabajo en altura"})), TODAY).score == 100
    assert count_met(facts.requirements, frozenset(), frozenset({"trabajo en altura"})) == Met(1, 1, 0, 0, 0, 0)


def test_desired_modules_are_weighted_too():
    facts = opening(requirements=(Requirement(("module", 1), "A", True), Requirement(("module", 2), "B", False)))
    certified = score(facts, candidate(module_ids=frozenset({1, 2}), certified_ids=frozenset({1, 2})), TODAY)
    declared_desired = score(facts, candidate(module_ids=frozenset({1, 2}), certified_ids=frozenset({1})), TODAY)
    assert certified.score == 100
    assert declared_desired.score == 99  # 50 + 15 × 0.9 = 13.5 + 35 → 98.5, shown as 99
    assert (declared_desired.required_declared, declared_desired.desired_declared) == (0, 1)


def test_a_certified_candidate_outranks_an_otherwise_equal_declared_one():
    """Different scores when the weight shows in the rounding, and the tie-break when it
    does not: among equal scores, fewer modules only declared first, whatever the ids."""
    facts = opening()
    declared, certified = candidate(id=1, certified_ids=frozenset()), candidate(id=2)
    ranked = rank(facts, [declared, certified], TODAY)
    assert [(m.candidate_id, m.score) for m in ranked] == [(2, 73), (1, 69)]
    # Ten required modules: one declared instead of certified costs 0.5 points, rounded away.
    many = opening(requirements=tuple(Requirement(("module", n), f"M{n}", True) for n in range(1, 11)))
    all_ten = frozenset(range(1, 11))
    one_declared = candidate(id=1, module_ids=all_ten, certified_ids=all_ten - {10}, province_code="0402")
    none_declared = candidate(id=2, module_ids=all_ten, certified_ids=all_ten, province_code="0402")
    ranked = rank(many, [one_declared, none_declared], TODAY)
    assert [m.score for m in ranked] == [93, 93]  # 50 + 8 + 10 + 5 + 5 = 78 + 15 = 93; 92.5 → 93
    assert [m.candidate_id for m in ranked] == [2, 1]


def test_points_and_ceiling_read_the_same_counts():
    # The ceiling assumes every module met is certified: no candidate meeting as many exceeds it.
    facts = opening()
    for declared in (0, 1, 3):
        met = Met(3, 4, 0, 1, declared, 0)
        assert points(met, "province", True, 10) <= ceiling(facts, 3, 0)
    assert points(Met(3, 4, 0, 1, 0, 0), "province", True, 10) == ceiling(facts, 3, 0) == 73
