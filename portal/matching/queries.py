"""Candidate and opening queries for the matching engine: filter in SQL, score only candidates.

The SQL here is a slightly generous superset of the engine's hard filters (the
12-month window is widened by a day so month-end arithmetic never drops someone
the engine would keep); the engine then applies the exact rule.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from portal import vocab
from portal.applications.eligibility import add_months
from portal.extensions import db
from portal.matching.engine import (
    CandidateFacts,
    Match,
    OpeningFacts,
    Requirement,
    candidate_points,
    hard_filter,
    place_kind,
    points,
    rank,
    score,
)
from portal.models import (
    Application,
    Module,
    Nomination,
    Opening,
    OpeningRequirement,
    Programme,
    StudentProfile,
    StudentSkill,
    opening_cetpros,
    opening_programmes,
    student_modules,
)


def opening_facts(opening: Opening) -> OpeningFacts:
    requirements = tuple(
        Requirement(("module", r.module_id), r.module.name, r.required) if r.module_id
        else Requirement(("skill", r.skill_normalized), r.skill, r.required)
        for r in opening.requirements
    )
    return OpeningFacts(
        id=opening.id, kind=opening.kind, family_id=opening.family_id,
        programme_ids=frozenset(p.id for p in opening.programmes), requirements=requirements,
        department_code=opening.department_code, province_code=opening.province_code,
        work_mode=opening.work_mode, title=opening.title,
    )


def _legal_window(kind: str, today: date):
    """The modality's legal condition as SQL (a superset of the engine's exact rule)."""
    if kind == "practicas_preprofesionales":
        return StudentProfile.status == "estudiante"
    if kind == "practicas_profesionales":
        earliest = add_months(today, -12) - timedelta(days=1)
        return and_(StudentProfile.status != "estudiante", StudentProfile.graduation_date >= earliest)
    return True


def candidate_select(opening: Opening, today: date, cetpro_ids: list[int] | None = None,
                     verified_only: bool = False, exclude_applied: bool = True):
    accepted = [p.id for p in opening.programmes]
    query = (
        select(StudentProfile.id, StudentProfile.programme_id, Programme.family_id, Programme.name,
               StudentProfile.level, StudentProfile.status, StudentProfile.graduation_date,
               StudentProfile.department_code, StudentProfile.province_code)
        .join(Programme, Programme.id == StudentProfile.programme_id)
        .where(
            StudentProfile.open_to_offers.is_(True),
            or_(Programme.family_id == opening.family_id, StudentProfile.programme_id.in_(accepted)),
            _legal_window(opening.kind, today),
        )
    )
    if cetpro_ids is not None:
        query = query.where(StudentProfile.cetpro_id.in_(cetpro_ids))
    if verified_only:
        query = query.where(StudentProfile.verification_state == "verified")
    if exclude_applied:
        query = query.where(~exists().where(Application.opening_id == opening.id,
                                            Application.student_id == StudentProfile.id))
    return query


def _chunks(ids: list[int], size: int = 5000):
    """Explicit id lists (the filter already ran once) in chunks under SQLite's variable limit."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def candidates(opening: Opening, today: date, **filters) -> list[CandidateFacts]:
    rows = db.session.execute(candidate_select(opening, today, **filters)).all()
    if not rows:
        return []
    return _facts_from_rows(rows, any(r.skill_normalized for r in opening.requirements))


def _facts_from_rows(rows, want_skills: bool) -> list[CandidateFacts]:
    ids = [row[0] for row in rows]
    modules: dict[int, set[int]] = {}
    skills: dict[int, set[str]] = {}
    for chunk in _chunks(ids):
        for student_id, module_id in db.session.execute(
            select(student_modules.c.student_id, student_modules.c.module_id)
            .where(student_modules.c.student_id.in_(chunk))
        ):
            modules.setdefault(student_id, set()).add(module_id)
        if want_skills:
            for student_id, skill in db.session.execute(
                select(StudentSkill.student_id, StudentSkill.normalized).where(StudentSkill.student_id.in_(chunk))
            ):
                skills.setdefault(student_id, set()).add(skill)
    return [
        CandidateFacts(
            id=row[0], programme_id=row[1], family_id=row[2], programme_name=row[3], level=row[4],
            status=row[5], graduation_date=row[6], department_code=row[7], province_code=row[8],
            module_ids=frozenset(modules.get(row[0], ())), skills=frozenset(skills.get(row[0], ())),
        )
        for row in rows
    ]


def strong_counts(cetpro_id: int, openings: list[Opening], today: date | None = None) -> dict[int, int]:
    """For each opening, how many of one CETPRO's students score STRONG_SCORE or more.

    One pool of the CETPRO's students and one query per kind of data, whatever the
    number of openings (the coordinator dashboard lists several).
    """
    from portal.matching.engine import STRONG_SCORE

    today = today or date.today()
    if not openings:
        return {}
    opening_ids = [o.id for o in openings]
    full = list(db.session.scalars(
        select(Opening).where(Opening.id.in_(opening_ids)).options(
            selectinload(Opening.requirements).joinedload(OpeningRequirement.module),
            selectinload(Opening.programmes))))
    rows = db.session.execute(
        select(StudentProfile.id, StudentProfile.programme_id, Programme.family_id, Programme.name,
               StudentProfile.level, StudentProfile.status, StudentProfile.graduation_date,
               StudentProfile.department_code, StudentProfile.province_code)
        .join(Programme, Programme.id == StudentProfile.programme_id)
        .where(StudentProfile.cetpro_id == cetpro_id, StudentProfile.open_to_offers.is_(True),
               # only students some opening could take (the engine's programme filter, widened)
               or_(Programme.family_id.in_({o.family_id for o in full}),
                   StudentProfile.programme_id.in_({p.id for o in full for p in o.programmes})))
    ).all()
    pool = _facts_from_rows(rows, any(r.skill_normalized for o in full for r in o.requirements))
    applied = set(db.session.execute(
        select(Application.opening_id, Application.student_id)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(Application.opening_id.in_(opening_ids), StudentProfile.cetpro_id == cetpro_id)
    ).tuples())
    counts = {}
    by_family: dict[int, list[CandidateFacts]] = {}
    for candidate in pool:
        by_family.setdefault(candidate.family_id, []).append(candidate)
    for opening in full:
        accepted = {p.id for p in opening.programmes}
        # The family's students, and others of an accepted programme (the engine decides).
        within = by_family.get(opening.family_id, []) + \
            [c for c in pool if c.programme_id in accepted and c.family_id != opening.family_id]
        candidates_left = [c for c in within if (opening.id, c.id) not in applied]
        counts[opening.id] = sum(1 for m in rank(opening_facts(opening), candidates_left, today)
                                 if m.score >= STRONG_SCORE)
    return counts


def ranked_for_opening(opening: Opening, today: date | None = None, **filters) -> list[Match]:
    today = today or date.today()
    return rank(opening_facts(opening), candidates(opening, today, **filters), today)


def nominated_ids(opening: Opening) -> dict[int, Nomination]:
    return {n.student_id: n for n in db.session.scalars(select(Nomination).where(Nomination.opening_id == opening.id))}


def targeted_cetpro_ids(opening: Opening) -> list[int] | None:
    """The CETPROs an opening is for, or None when it is for all of them."""
    return None if opening.targets_all_cetpros else [c.id for c in opening.cetpros]


def load_opening(opening_id: int) -> Opening | None:
    return db.session.scalar(
        select(Opening).where(Opening.id == opening_id).options(
            selectinload(Opening.requirements).joinedload(OpeningRequirement.module),
            selectinload(Opening.programmes), selectinload(Opening.cetpros),
        )
    )


def _student_facts(profile: StudentProfile) -> CandidateFacts:
    return CandidateFacts(
        id=profile.id, programme_id=profile.programme_id, family_id=profile.programme.family_id,
        programme_name=profile.programme.name, level=profile.level, status=profile.status,
        graduation_date=profile.graduation_date, department_code=profile.department_code,
        province_code=profile.province_code, module_ids=frozenset(m.id for m in profile.modules),
        skills=frozenset(s.normalized for s in profile.skills),
        open_to_offers=True,  # a student asking for recommendations wants them
    )


def _kinds_allowed(candidate: CandidateFacts, kinds, today: date) -> dict[str, bool]:
    """The engine's hard filter for each kind of opening (the only part that varies by kind
    once the programme filter passed), evaluated once per kind rather than per opening."""
    return {kind: hard_filter(OpeningFacts(0, kind, candidate.family_id, frozenset(), (), None, None, "presencial"),
                              candidate, today) is None
            for kind in kinds}


def openings_for_student(profile: StudentProfile, today: date | None = None, limit: int = 30
                         ) -> list[tuple[object, Match]]:
    """Published openings this student may take, ranked for them (near misses included):
    (listing card, match) for the best `limit`.

    Answered from the listing's per-process index (portal.openings.index), which holds
    every open opening's card, family, accepted programmes, target CETPROs and
    requirements, exact as of the current data version. The hard filters are bitmask
    ANDs (family or accepted programme, targets the student's CETPRO, a kind the law lets
    the student take, not applied yet); the engine's `points` scores the rest from
    requirement counts made here; only the shown openings are explained item by item
    (`engine.score`, where the weights live). One statement reads the student's
    applications; `openings_for_student_sql` is the same ranking in SQL, the reference
    the tests hold this one to.
    """
    from portal.openings import index
    from portal.openings.expiry import today as lima_today

    today = today or lima_today()
    held = index.snapshot(today)
    matching = held.matching()
    candidate = _student_facts(profile)
    by = held.by.get
    mask = (by(("familia", candidate.family_id), 0) | by(("programa", candidate.programme_id), 0)) \
        & (held.targets_all | matching.by_cetpro.get(profile.cetpro_id, 0))
    for kind, allowed in _kinds_allowed(candidate, vocab.OPENING_KINDS, today).items():
        if not allowed:
            mask &= ~by(("tipo", kind), 0)
    applied = db.session.scalars(select(Application.opening_id).where(Application.student_id == profile.id))
    mask &= ~index.mask_of(at for at in map(held.position.get, applied) if at is not None)
    own = candidate_points(candidate, today)
    modules, skills = candidate.module_ids, candidate.skills
    place_of: dict[tuple, str] = {}
    scored = []
    for at in index.members(mask):
        required_met = required = desired_met = desired = 0
        for requirement in matching.requirements[at]:
            kind, value = requirement.key
            met = value in (modules if kind == "module" else skills)
            if requirement.required:
                required += 1
                required_met += met
            else:
                desired += 1
                desired_met += met
        card = held.cards[at]
        where = (card.work_mode == "remoto", card.department_code, card.province_code)
        if (place := place_of.get(where)) is None:
            place = place_of[where] = place_kind(
                OpeningFacts(0, card.kind, 0, frozenset(), (), card.department_code, card.province_code,
                             card.work_mode), candidate)
        total = points(required_met, required, desired_met, desired, place,
                       candidate.programme_id in held.programmes[at], own)
        scored.append((-total, -required_met, card.deadline or date.max, card.id, at))
    scored.sort()
    shown = []
    for *_, at in scored[:limit]:
        card = held.cards[at]
        facts = OpeningFacts(id=card.id, kind=card.kind, family_id=held.families[at],
                             programme_ids=held.programmes[at], requirements=matching.requirements[at],
                             department_code=card.department_code, province_code=card.province_code,
                             work_mode=card.work_mode, title=card.title)
        shown.append((card, score(facts, candidate, today)))
    return shown


def openings_for_student_sql(profile: StudentProfile, today: date | None = None, limit: int = 30
                             ) -> list[tuple[int, Match]]:
    """`openings_for_student` in SQL, statement by statement: (opening id, match).

    The reference the in-memory ranking is tested against; nothing serves pages from it.
    Two statements score every candidate opening: the openings with plain columns, and
    per opening the count of required and desired items this student meets, added up
    in SQL.
    """
    today = today or date.today()
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
        required_met, required, desired_met, desired = counts.get(opening_id, (0, 0, 0, 0))
        total = points(required_met, required, desired_met, desired, place, bool(accepted), own)
        scored.append((-total, -required_met, deadline or date.max, opening_id))
    scored.sort()
    top = [opening_id for *_, opening_id in scored[:limit]]
    shown = []
    for opening_id in top:
        opening = load_opening(opening_id)
        shown.append((opening_id, score(opening_facts(opening), candidate, today)))
    return shown


def _requirement_counts(opening_ids: list[int], candidate: CandidateFacts) -> dict[int, tuple[int, int, int, int]]:
    """Per opening: (required met, required, desired met, desired) for this candidate,
    with `_has`'s rule (a module by id, a skill by its normalised name) in SQL."""
    requirement = OpeningRequirement
    met = case((requirement.module_id.is_not(None), requirement.module_id.in_(sorted(candidate.module_ids))),
               else_=requirement.skill_normalized.in_(sorted(candidate.skills)))
    one = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    counts = {}
    for chunk in _chunks(opening_ids):
        for opening_id, required_met, required, desired_met, desired in db.session.execute(
            select(requirement.opening_id, one(and_(requirement.required, met)), one(requirement.required),
                   one(and_(~requirement.required, met)), one(~requirement.required))
            .where(requirement.opening_id.in_(chunk))
            .group_by(requirement.opening_id)
        ):
            counts[opening_id] = (required_met, required, desired_met, desired)
    return counts
