"""Openings for one student, ranked for her: the "Recomendadas" page and the dashboard.

The candidates side (students for one opening) is in portal.matching.queries; both score
with the engine (portal.matching.engine), where the weights live.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, case, exists, func, or_, select

from portal import clock, vocab
from portal.applications.eligibility import legal_obstacle
from portal.certificates import queries as certificates
from portal.extensions import db
from portal.matching import index as matching_index
from portal.matching.engine import (
    CandidateFacts,
    Match,
    Met,
    OpeningFacts,
    candidate_points,
    count_met,
    hard_filter,
    place_kind,
    points,
    score,
)
from portal.matching.index import MatchingFacts
from portal.matching.queries import chunks, load_opening, opening_facts
from portal.models import (
    Application,
    Certificate,
    Opening,
    OpeningRequirement,
    StudentProfile,
    opening_cetpros,
    opening_programmes,
)
from portal.openings import listing
from portal.openings.listing import OpeningSet, OpenOpenings


def _student_facts(profile: StudentProfile) -> CandidateFacts:
    return CandidateFacts(
        id=profile.id, programme_id=profile.programme_id, family_id=profile.programme.family_id,
        programme_name=profile.programme.name, level=profile.level, status=profile.status,
        graduation_date=profile.graduation_date, department_code=profile.department_code,
        province_code=profile.province_code, module_ids=frozenset(m.id for m in profile.modules),
        skills=frozenset(s.normalized for s in profile.skills),
        certified_ids=frozenset(certificates.certified_module_ids(profile.id)),
        open_to_offers=True,  # a student asking for recommendations wants them
    )


def _kinds_allowed(candidate: CandidateFacts, kinds, today: date) -> dict[str, bool]:
    """The engine's hard filter for each kind of opening (the only part that varies by kind
    once the programme filter passed), evaluated once per kind rather than per opening."""
    return {kind: hard_filter(OpeningFacts(0, kind, candidate.family_id, frozenset(), (), None, None, "presencial"),
                              candidate, today) is None
            for kind in kinds}


class ForStudent(NamedTuple):
    """The "Recomendadas" page's answer: the ranked openings, and whether none is left
    because she applied to every open opening she may take (the page says so in other
    words than when there is none)."""
    ranked: list[tuple[object, Match]]
    applied_to_all: bool


def openings_for_student(profile: StudentProfile, today: date | None = None, limit: int = 30
                         ) -> list[tuple[object, Match]]:
    """`for_student`'s ranked openings."""
    return for_student(profile, today, limit).ranked


def for_student(profile: StudentProfile, today: date | None = None, limit: int = 30) -> ForStudent:
    """Published openings this student may take, ranked for them (near misses included):
    (listing card, match) for the best `limit`.

    Answered from the open openings the listing's index holds (portal.openings.listing),
    with matching's requirements and targets derived from them (portal.matching.index),
    exact as of the current data version. The hard filters are set operations (family or
    accepted programme, targets the student's CETPRO, a kind the law lets the student
    take, not applied yet). The ranking is (score, fewer modules met only by declaration,
    more required items met, earlier deadline, id), the score the engine's `points`.

    Only some openings are scored, one by one as the engine counts (`_scored`): those
    asking something she holds (a module she declared or her CETPRO certified, a skill:
    matching's sets by requirement), and the best of the others, chosen by set operations
    (`_best_of_the_rest`): an opening asking nothing she holds meets nothing it asks, so
    its score depends only on its group, and the groups of the best scores, earliest
    deadline first, hold the best of them. At five times the national set that is about a
    third of the openings of her family, and their cards are read in one pass.

    Only the shown openings are explained item by item (`engine.score`, where the weights
    live). One statement reads the student's applications; `openings_for_student_sql` is
    the same ranking in SQL, the reference the tests hold this one to.
    """
    today = today or clock.today()
    open_now = listing.open_openings(today)
    matching = matching_index.facts(open_now)
    candidate = _student_facts(profile)
    may_take = _open_to(open_now, candidate, profile, today)
    found = may_take - _applied(open_now, profile)
    asking = _asking_any(open_now, matching, candidate)
    own = candidate_points(candidate, today)
    chosen = (found & asking) | _best_of_the_rest(open_now, matching, found - asking, candidate, own, limit)
    ranked = _scored(chosen, matching, candidate, own)
    ranked.sort()
    return ForStudent([(opening[0], score(matching_index.facts_of(opening, matching), candidate, today))
                       for *_, opening in ranked[:limit]],
                      applied_to_all=bool(may_take) and not found)


def _asking_any(open_now: OpenOpenings, matching: MatchingFacts, candidate: CandidateFacts) -> OpeningSet:
    """The open openings asking, required or desired, an item she holds (`engine._has`'s
    rule: a module she declared or her CETPRO certified, a skill by its normalised name)."""
    asking, found = matching.asking.get, open_now.none()
    for key in (*(("module", m) for m in candidate.module_ids | candidate.certified_ids),
                *(("skill", s) for s in candidate.skills)):
        if (asked := asking(key)) is not None:
            found |= asked
    return found


def _scored(found: OpeningSet, matching: MatchingFacts, candidate: CandidateFacts, own: int) -> list[tuple]:
    """The ranking keys of these openings, each counted (`engine.count_met`) and scored
    one by one; each key ends with the opening (`OpeningSet.openings`' tuple)."""
    modules, skills, certified = candidate.module_ids, candidate.skills, candidate.certified_ids
    requirements = matching.requirements.get
    place_of: dict[tuple, str] = {}
    ranked = []
    for opening in found.openings():
        card, _family, programme_ids = opening
        met = count_met(requirements(card.id, ()), modules, skills, certified)
        where = (card.work_mode == "remoto", card.department_code, card.province_code)
        if (place := place_of.get(where)) is None:
            place = place_of[where] = place_kind(
                OpeningFacts(0, card.kind, 0, frozenset(), (), card.department_code, card.province_code,
                             card.work_mode), candidate)
        total = points(met, place, candidate.programme_id in programme_ids, own)
        ranked.append((-total, met.required_declared + met.desired_declared, -met.required_met,
                       card.deadline or date.max, card.id, opening))
    return ranked


SCORED_WHOLE = 256  # a group of at most this many openings is scored whole, not walked by deadline


def _best_of_the_rest(open_now: OpenOpenings, matching: MatchingFacts, found: OpeningSet, candidate: CandidateFacts,
                      own: int, limit: int) -> OpeningSet:
    """Openings among these, none of which asks anything she holds, that hold the best
    `limit` of them (more may come; `_scored` ranks them all).

    Each meets nothing it asks, so its score is `points(Met(0, r, 0, d), place, accepted,
    own)`, the same for every opening of a group: asks a required item or not, a desired
    one or not, place kind (`engine.place_kind`'s: remote, her province, her department,
    elsewhere), names her programme or not; and its ranking key is (score, 0, 0, deadline,
    id). So the groups are made with set operations (32 at most) and merged by score, and
    taken best score first, whole while they are small, until `limit` are taken; of the
    score that reaches `limit`, only the openings closing on the earliest deadlines that
    reach it are taken (matching's sets by deadline), whole days, so every tie is kept."""
    none = open_now.none()
    if not found or limit <= 0:
        return none
    remote = open_now.of_work_mode("remoto")
    province = open_now.in_province(candidate.province_code) - remote if candidate.province_code else none
    department = (open_now.in_department(candidate.department_code) - remote - province
                  if candidate.department_code else none)
    places = {"remote": remote, "province": province, "department": department,
              "elsewhere": found - remote - province - department}
    accepted = open_now.naming_programme(candidate.programme_id)
    no_required = matching.asking.get(matching_index.NO_REQUIRED, none)
    no_desired = matching.asking.get(matching_index.NO_DESIRED, none)
    by_score: dict[int, OpeningSet] = {}
    for required, by_required in ((1, found - no_required), (0, found & no_required)):
        for desired, by_desired in ((1, by_required - no_desired), (0, by_required & no_desired)):
            for place, where in places.items():
                in_place = by_desired & where if by_desired else none
                for is_accepted, group in ((True, in_place & accepted), (False, in_place - accepted)):
                    if group:
                        total = points(Met(0, required, 0, desired), place, is_accepted, own)
                        by_score[total] = by_score[total] | group if total in by_score else group
    chosen, taken = none, 0
    for total in sorted(by_score, reverse=True):
        group, wanted = by_score[total], limit - taken
        if len(group) > max(SCORED_WHOLE, wanted):
            group = _closing_first(group, wanted, matching)
        chosen, taken = chosen | group, taken + len(group)
        if taken >= limit:
            break
    return chosen


def _closing_first(found: OpeningSet, count: int, matching: MatchingFacts) -> OpeningSet:
    """Those of these openings closing on the earliest deadlines (no deadline last) that
    hold at least `count` of them: whole days (matching's sets by deadline)."""
    taken = None
    for deadline in sorted(matching.closing):
        if closing := found & matching.closing.get(deadline):
            taken = closing if taken is None else taken | closing
            if len(taken) >= count:
                break
    return taken if taken is not None else found


def _open_to(open_now: OpenOpenings, candidate: CandidateFacts, profile: StudentProfile, today: date) -> OpeningSet:
    """The open openings the student may take, applied to or not: her programme's family
    (or an accepted programme), targeting her CETPRO, a kind the law lets her take."""
    found = (open_now.in_family(candidate.family_id) | open_now.naming_programme(candidate.programme_id))
    return _allowed(open_now, found, candidate, profile, today)


def _allowed(open_now: OpenOpenings, found: OpeningSet, candidate: CandidateFacts, profile: StudentProfile,
             today: date) -> OpeningSet:
    """Those of `found` that target her CETPRO and are of a kind the law lets her take."""
    found &= matching_index.targets(open_now, profile.cetpro_id)
    for kind, allowed in _kinds_allowed(candidate, vocab.OPENING_KINDS, today).items():
        if not allowed:
            found -= open_now.of_kind(kind)
    return found


def applicable(open_now: OpenOpenings, profile: StudentProfile, today: date) -> OpeningSet:
    """The open openings, of any trade, this student may apply to and has not applied to:
    the same rules as the recommendations (her CETPRO targeted, the law's modality rule),
    without her programme's (a saved search names its own). Job alerts send only these."""
    return applicable_to(open_now, [profile], today)[profile.id]


def applicable_to(open_now: OpenOpenings, profiles: Sequence[StudentProfile], today: date) -> dict[int, OpeningSet]:
    """`applicable` for many students at once (a job-alert digest's batch), by profile id:
    what they applied to read in one statement, their modules and skills not read at all."""
    applied: dict[int, list[int]] = {}
    for chunk in chunks(sorted({profile.id for profile in profiles}), 500):
        for student_id, opening_id in db.session.execute(select(Application.student_id, Application.opening_id)
                                                         .where(Application.student_id.in_(chunk))):
            applied.setdefault(student_id, []).append(opening_id)
    return {profile.id: _allowed(open_now, open_now.all(), _legal_facts(profile), profile, today)
            - open_now.of_ids(applied.get(profile.id, ())) for profile in profiles}


def _legal_facts(profile: StudentProfile) -> CandidateFacts:
    """What `_allowed` reads of a student (the law's modality rule), nothing more."""
    return CandidateFacts(id=profile.id, programme_id=profile.programme_id, family_id=profile.programme.family_id,
                          level=profile.level, status=profile.status, graduation_date=profile.graduation_date,
                          department_code=None, province_code=None, module_ids=None, skills=None)


class StudentTerms(NamedTuple):
    """What deciding whether a student may apply reads of her: `admitted`'s rows (any row
    with these attributes will do; a student may come more than once)."""

    id: int
    cetpro_id: int
    status: str
    graduation_date: date | None


def admitted(open_now: OpenOpenings, opening_id: int, students: Iterable[StudentTerms], today: date) -> set[int]:
    """The ids of these students who may apply to this one open opening and have not:
    `applicable`'s rules (her CETPRO targeted, the law's modality rule, not applied to) for
    one opening and many students, as a job alert checks a just-published opening. The
    modality rule is the engine's hard filter once the programme passed (`_kinds_allowed`)."""
    opening = open_now.get(opening_id)
    if opening is None:
        return set()
    only = open_now.of_ids([opening_id])
    applied = set(db.session.scalars(select(Application.student_id).where(Application.opening_id == opening_id)))
    targeted: dict[int, bool] = {}
    allowed: dict[tuple, bool] = {}
    found = set()
    for student in students:
        if student.id in applied:
            continue
        if student.cetpro_id not in targeted:
            targeted[student.cetpro_id] = bool(matching_index.targets(open_now, student.cetpro_id) & only)
        terms = (student.status, student.graduation_date)
        if terms not in allowed:
            allowed[terms] = legal_obstacle(opening.card.kind, student.status, student.graduation_date, today) is None
        if targeted[student.cetpro_id] and allowed[terms]:
            found.add(student.id)
    return found


def _applied(open_now: OpenOpenings, profile: StudentProfile) -> OpeningSet:
    return open_now.of_ids(db.session.scalars(select(Application.opening_id)
                                              .where(Application.student_id == profile.id)))


def openings_for_student_sql(profile: StudentProfile, today: date | None = None, limit: int = 30
                             ) -> list[tuple[int, Match]]:
    """`openings_for_student` in SQL, statement by statement: (opening id, match).

    The reference the in-memory ranking is tested against; nothing serves pages from it.
    Two statements score every candidate opening: the openings with plain columns, and
    per opening the count of required and desired items this student meets, added up
    in SQL.
    """
    today = today or clock.today()
    candidate = _student_facts(profile)
    family_id = candidate.family_id
    accepting = select(opening_programmes.c.opening_id).where(
        opening_programmes.c.programme_id == profile.programme_id)
    targets_cetpro = select(opening_cetpros.c.opening_id).where(opening_cetpros.c.cetpro_id == profile.cetpro_id)
    query = select(Opening.id, Opening.kind, Opening.family_id, Opening.department_code,
                   Opening.province_code, Opening.work_mode, Opening.deadline, Opening.id.in_(accepting)).where(
        Opening.state == "published",
        or_(Opening.deadline.is_(None), Opening.deadline >= today),
        or_(Opening.family_id == family_id, Opening.id.in_(accepting)),
        or_(Opening.targets_all_cetpros.is_(True), Opening.id.in_(targets_cetpro)),
        ~exists().where(Application.opening_id == Opening.id, Application.student_id == profile.id),
    )
    rows = db.session.execute(query).all()
    if not rows:
        return []
    counts = _requirement_counts([row[0] for row in rows], candidate)
    allowed = _kinds_allowed(candidate, {row[1] for row in rows}, today)
    own = candidate_points(candidate, today)
    scored = []
    for opening_id, kind, _family, department, province, work_mode, deadline, accepted in rows:
        if not allowed[kind]:
            continue
        place = place_kind(OpeningFacts(0, kind, family_id, frozenset(), (), department, province, work_mode),
                           candidate)
        met = counts.get(opening_id, Met(0, 0, 0, 0))
        total = points(met, place, bool(accepted), own)
        scored.append((-total, met.required_declared + met.desired_declared, -met.required_met,
                       deadline or date.max, opening_id))
    scored.sort()
    top = [opening_id for *_, opening_id in scored[:limit]]
    shown = []
    for opening_id in top:
        opening = load_opening(opening_id)
        shown.append((opening_id, score(opening_facts(opening), candidate, today)))
    return shown


def _requirement_counts(opening_ids: list[int], candidate: CandidateFacts) -> dict[int, Met]:
    """Per opening: what this candidate meets (`engine.count_met`'s counts), with `_has`'s
    rule in SQL: a module by id, declared or certified (read here from her certificates in
    force, not from the candidate's facts), a skill by its normalised name."""
    requirement = OpeningRequirement
    certified = exists().where(Certificate.student_id == candidate.id, Certificate.state == "vigente",
                               Certificate.module_id == requirement.module_id)
    declared = requirement.module_id.in_(sorted(candidate.module_ids))
    met = case((requirement.module_id.is_not(None), or_(declared, certified)),
               else_=requirement.skill_normalized.in_(sorted(candidate.skills)))
    declared_only = and_(requirement.module_id.is_not(None), declared, ~certified)
    one = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    counts = {}
    for chunk in chunks(opening_ids):
        for opening_id, required_met, required, desired_met, desired, required_declared, desired_declared in \
                db.session.execute(
                    select(requirement.opening_id, one(and_(requirement.required, met)), one(requirement.required),
                           one(and_(~requirement.required, met)), one(~requirement.required),
                           one(and_(requirement.required, declared_only)),
                           one(and_(~requirement.required, declared_only)))
                    .where(requirement.opening_id.in_(chunk))
                    .group_by(requirement.opening_id)):
            counts[opening_id] = Met(required_met, required, desired_met, desired, required_declared,
                                     desired_declared)
    return counts
