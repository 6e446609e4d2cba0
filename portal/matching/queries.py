"""Candidate and opening queries for the matching engine: filter in SQL, score only candidates.

The SQL here is a slightly generous superset of the engine's hard filters (the
12-month window is widened by a day so month-end arithmetic never drops someone
the engine would keep); the engine then applies the exact rule.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import selectinload

from portal import vocab
from portal.applications.eligibility import add_months
from portal.extensions import db
from portal.matching.engine import (
    CandidateFacts,
    Match,
    OpeningFacts,
    Requirement,
    best_first,
    candidate_points,
    ceiling,
    count_met,
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


def candidate_select(opening: OpeningFacts, today: date, cetpro_ids: list[int] | None = None,
                     verified_only: bool = False, exclude_applied: bool = True):
    """The students the opening may rank, as plain columns of student_profiles only (read
    from its matching index alone); `_programmes` names their programmes and families."""
    programmes = select(Programme.id).where(
        or_(Programme.family_id == opening.family_id, Programme.id.in_(sorted(opening.programme_ids))))
    query = (
        select(StudentProfile.id, StudentProfile.programme_id, StudentProfile.level, StudentProfile.status,
               StudentProfile.graduation_date, StudentProfile.department_code, StudentProfile.province_code)
        .where(
            StudentProfile.programme_id.in_(programmes),
            StudentProfile.open_to_offers.is_(True),
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


def _programmes(opening: OpeningFacts) -> dict[int, tuple[int, str]]:
    """Programme id → (family id, name) for the programmes an opening may take."""
    return {id_: (family_id, name) for id_, family_id, name in db.session.connection().execute(
        select(Programme.id, Programme.family_id, Programme.name)
        .where(or_(Programme.family_id == opening.family_id, Programme.id.in_(sorted(opening.programme_ids)))))}


def _chunks(ids: list[int], size: int = 5000):
    """Explicit id lists (the filter already ran once) in chunks under SQLite's variable limit."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def candidates(opening: OpeningFacts, today: date, **filters) -> list[CandidateFacts]:
    """Whole facts (modules and skills loaded) of the candidates the SQL filter lets through."""
    rows = db.session.execute(candidate_select(opening, today, **filters)).all()
    if not rows:
        return []
    programmes = _programmes(opening)
    rows = [(id_, programme_id, *programmes[programme_id], *rest) for id_, programme_id, *rest in rows]
    return _facts_from_rows(rows, any(r.key[0] == "skill" for r in opening.requirements))


def _facts_from_rows(rows, want_skills: bool) -> list[CandidateFacts]:
    ids = [row[0] for row in rows]
    modules: dict[int, set[int]] = {}
    skills: dict[int, set[str]] = {}
    connection = db.session.connection()  # plain rows: hundreds of them, the ORM's handling cost more
    for chunk in _chunks(ids):
        for student_id, module_id in connection.execute(
            select(student_modules.c.student_id, student_modules.c.module_id)
            .where(student_modules.c.student_id.in_(chunk))
        ):
            modules.setdefault(student_id, set()).add(module_id)
        if want_skills:
            for student_id, skill in connection.execute(
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

    The openings' facts come from the listing's index (they are open: the dashboard
    lists open openings; any other is loaded), and one pool of the CETPRO's students with
    one query per kind of data, whatever the number of openings.
    """
    from portal.matching.engine import STRONG_SCORE
    from portal.openings.expiry import today as lima_today

    today = today or lima_today()
    if not openings:
        return {}
    opening_ids = [o.id for o in openings]
    facts = open_opening_facts(opening_ids, today)
    for opening_id in set(opening_ids) - set(facts):
        facts[opening_id] = opening_facts(load_opening(opening_id))
    connection = db.session.connection()
    rows = connection.execute(
        select(StudentProfile.id, StudentProfile.programme_id, Programme.family_id, Programme.name,
               StudentProfile.level, StudentProfile.status, StudentProfile.graduation_date,
               StudentProfile.department_code, StudentProfile.province_code)
        .join(Programme, Programme.id == StudentProfile.programme_id)
        .where(StudentProfile.cetpro_id == cetpro_id, StudentProfile.open_to_offers.is_(True),
               # only students some opening could take (the engine's programme filter, widened)
               or_(Programme.family_id.in_({f.family_id for f in facts.values()}),
                   StudentProfile.programme_id.in_({p for f in facts.values() for p in f.programme_ids})))
    ).all()
    pool = _facts_from_rows(rows, any(r.key[0] == "skill" for f in facts.values() for r in f.requirements))
    applied = set(connection.execute(
        select(Application.opening_id, Application.student_id)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(Application.opening_id.in_(opening_ids), StudentProfile.cetpro_id == cetpro_id)
    ).tuples())
    counts = {}
    by_family: dict[int, list[CandidateFacts]] = {}
    for candidate in pool:
        by_family.setdefault(candidate.family_id, []).append(candidate)
    for opening_id in opening_ids:
        opening = facts[opening_id]
        # The family's students, and others of an accepted programme (the engine decides).
        within = by_family.get(opening.family_id, []) + \
            [c for c in pool if c.programme_id in opening.programme_ids and c.family_id != opening.family_id]
        candidates_left = [c for c in within if (opening_id, c.id) not in applied]
        counts[opening_id] = sum(1 for m in rank(opening, candidates_left, today) if m.score >= STRONG_SCORE)
    return counts


def open_opening_facts(opening_ids, today: date) -> dict[int, OpeningFacts]:
    """The engine's facts of the open openings among these ids, from the listing's index
    (no statement past its version read); the ids of openings not open are left out."""
    from portal.openings import index

    held = index.snapshot(today)
    matching = held.matching()
    return {opening_id: _facts_at(held, matching, at) for opening_id in opening_ids
            if (at := held.position.get(opening_id)) is not None}


def open_opening(opening_id: int, cetpro_id: int, today: date) -> tuple[object, OpeningFacts, bool] | None:
    """(listing card, engine facts, whether it targets this CETPRO) of an open opening, from
    the listing's index with no statement past its version read; None when not open."""
    from portal.openings import index

    held = index.snapshot(today)
    if (at := held.position.get(opening_id)) is None:
        return None
    matching = held.matching()
    targeted = bool((held.targets_all | matching.by_cetpro.get(cetpro_id, 0)) >> at & 1)
    return held.cards[at], _facts_at(held, matching, at), targeted


def _facts_at(held, matching, at: int) -> OpeningFacts:
    card = held.cards[at]
    return OpeningFacts(id=card.id, kind=card.kind, family_id=held.families[at], programme_ids=held.programmes[at],
                        requirements=matching.requirements[at], department_code=card.department_code,
                        province_code=card.province_code, work_mode=card.work_mode, title=card.title)


FEW_CANDIDATES = 400  # up to this many, their own rows are read; past it, each item's holders


def _holders(requirements: tuple[Requirement, ...], candidate_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Student id → (required, desired) items of these requirements the student has (the
    engine's `_has` rule), for the candidates who have any. A few candidates (one CETPRO's)
    are looked up by their ids; many (an opening for every CETPRO) through the reverse
    indexes on student_modules and student_skills: a few hundred holders per module
    nationwide, fewer rows than the candidates' own. Added up per student in SQL."""
    weight = {r.key: r.required for r in requirements}
    held: dict[int, tuple[int, int]] = {}
    if not weight:
        return held
    few = 0 < len(candidate_ids) <= FEW_CANDIDATES  # none given: every holder
    parts = []
    for kind, student, item in (("module", student_modules.c.student_id, student_modules.c.module_id),
                                ("skill", StudentSkill.student_id, StudentSkill.normalized)):
        required = sorted(value for (k, value), is_required in weight.items() if k == kind and is_required)
        desired = sorted(value for (k, value), is_required in weight.items() if k == kind and not is_required)
        if not required and not desired:
            continue
        query = select(student, func.sum(case((item.in_(required), 1), else_=0)),
                       func.sum(case((item.in_(desired), 1), else_=0))) \
            .where(item.in_(required + desired)).group_by(student)
        parts.append(query.where(student.in_(candidate_ids)) if few else query)
    for query in parts:
        for student_id, required_met, desired_met in db.session.connection().execute(query):
            had = held.get(student_id)
            held[student_id] = (required_met, desired_met) if had is None else \
                (had[0] + required_met, had[1] + desired_met)
    return held


def ranked_for_opening(facts: OpeningFacts, today: date | None = None, only_ids: list[int] | None = None,
                       **filters) -> list[Match]:
    """Every candidate for the opening that passes the hard filters (of `only_ids`, when
    given), best first.

    The candidates' plain columns in one statement, the items each one meets counted from
    the holders of the opening's modules and skills (`_holders`), and the engine's points.
    Nobody's modules are loaded here: the matches carry candidate facts without them
    (module_ids and skills None, so reading a reason fails loudly); `explain` loads them
    for the page shown. `rank(facts, candidates(facts, ...))` is the same ranking from whole
    facts, the reference the tests hold this one to.
    """
    today = today or date.today()
    query = candidate_select(facts, today, **filters)
    connection = db.session.connection()
    if only_ids is None:
        rows = connection.execute(query).all()
    else:
        rows = [row for chunk in _chunks(only_ids)
                for row in connection.execute(query.where(StudentProfile.id.in_(chunk)))]
    if not rows:
        return []
    return _scored(facts, rows, _programmes(facts), _holders(facts.requirements, [row[0] for row in rows]), today)


def _scored(facts: OpeningFacts, rows, programmes: dict, holders: dict, today: date) -> list[Match]:
    """`candidate_select` rows scored, best first: `score_counted` by parts, the points of
    the candidate alone and of the place computed once per distinct value (they repeat
    across thousands of candidates)."""
    required = sum(1 for r in facts.requirements if r.required)
    desired = len(facts.requirements) - required
    matches = []
    own_points: dict[tuple, int] = {}
    place_of: dict[tuple, str] = {}
    for id_, programme_id, level, status, graduation_date, department, province in rows:
        family_id, programme_name = programmes[programme_id]
        required_met, desired_met = holders.get(id_, (0, 0))
        candidate = CandidateFacts(id_, programme_id, family_id, level, status, graduation_date, department,
                                   province, None, None, True, programme_name)
        if hard_filter(facts, candidate, today) is not None:
            continue
        if (own := own_points.get((level, status, graduation_date))) is None:
            own = own_points[level, status, graduation_date] = candidate_points(candidate, today)
        if (place := place_of.get((department, province))) is None:
            place = place_of[department, province] = place_kind(facts, candidate)
        total = points(required_met, required, desired_met, desired, place, programme_id in facts.programme_ids, own)
        matches.append(Match(id_, total, required_met, required, desired_met, desired, facts, candidate, today))
    return best_first(matches)


HOLDER_BATCH = 200  # holders read per statement, best possible scores first


def best_for_opening(facts: OpeningFacts, count: int, today: date | None = None, exclude=frozenset(),
                     **filters) -> list[Match]:
    """`ranked_for_opening(...)` without `exclude`, first `count` — usually without reading
    every candidate: an opening for every CETPRO has thousands nationwide.

    How many of the opening's items a student meets bounds the student's score
    (`engine.ceiling`: best place, programme, level and recency). The holders of its items
    are read in batches, highest bound first; once `count` of those read score above the
    bound of everyone not read yet (the next holders', and the non-holders' below it),
    nobody else can reach the top and they are the answer. Otherwise everyone is ranked.
    """
    today = today or date.today()
    if facts.requirements:
        holders = _holders(facts.requirements, [])
        bound = {key: ceiling(facts, *key) for key in set(holders.values())}
        waiting = sorted(holders, key=lambda student_id: -bound[holders[student_id]])
        query = candidate_select(facts, today, **filters)
        programmes = _programmes(facts)
        connection = db.session.connection()
        top: list[Match] = []
        for start in range(0, len(waiting) + 1, HOLDER_BATCH):
            batch = waiting[start:start + HOLDER_BATCH]
            if batch:
                rows = connection.execute(query.where(StudentProfile.id.in_(batch))).all()
                top = best_first(top + [m for m in _scored(facts, rows, programmes, holders, today)
                                        if m.candidate_id not in exclude])[:count]
            rest = waiting[start + HOLDER_BATCH:start + HOLDER_BATCH + 1]
            unread = bound[holders[rest[0]]] if rest else ceiling(facts)
            if len(top) == count and top[-1].score > unread:
                return top
            if not rest:
                break
    return [m for m in ranked_for_opening(facts, today, **filters) if m.candidate_id not in exclude][:count]


def explain(matches: list[Match]) -> list[Match]:
    """The given matches (of one opening) scored again from whole facts, modules and skills
    loaded, so their reasons can be read: for the page shown, not the whole ranking."""
    if not matches:
        return []
    ids = [m.candidate_id for m in matches]
    modules: dict[int, set[int]] = {}
    skills: dict[int, set[str]] = {}
    for student_id, module_id in db.session.execute(
        select(student_modules.c.student_id, student_modules.c.module_id).where(student_modules.c.student_id.in_(ids))
    ):
        modules.setdefault(student_id, set()).add(module_id)
    for student_id, skill in db.session.execute(
        select(StudentSkill.student_id, StudentSkill.normalized).where(StudentSkill.student_id.in_(ids))
    ):
        skills.setdefault(student_id, set()).add(skill)
    return [
        score(m.opening, replace(m.candidate, module_ids=frozenset(modules.get(m.candidate_id, ())),
                                 skills=frozenset(skills.get(m.candidate_id, ()))), m.today)
        for m in matches
    ]


def nominated_ids(opening_id: int) -> dict[int, Nomination]:
    return {n.student_id: n for n in db.session.scalars(select(Nomination).where(Nomination.opening_id == opening_id))}


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
        required_met, required, desired_met, desired = count_met(matching.requirements[at], modules, skills)
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
        shown.append((held.cards[at], score(_facts_at(held, matching, at), candidate, today)))
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
