"""Candidate and opening queries for the matching engine: filter in SQL, score only candidates.

The SQL here is a slightly generous superset of the engine's hard filters (the
12-month window is widened by a day so month-end arithmetic never drops someone
the engine would keep); the engine then applies the exact rule.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    desc,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import joinedload, selectinload

from portal import clock, places, vocab
from portal.access import confirmed_student, students_of
from portal.applications.eligibility import add_months
from portal.certificates import queries as certificates
from portal.extensions import db
from portal.matching import index as matching_index
from portal.matching.engine import (
    DECLARED_WEIGHT,
    LEVEL_POINTS,
    PLACE_POINTS,
    PROGRAMME_POINTS,
    RECENCY_OLD,
    RECENCY_POINTS,
    STRONG_SCORE,
    WEIGHTS,
    CandidateFacts,
    Match,
    Met,
    OpeningFacts,
    Requirement,
    best_first,
    candidate_points,
    ceiling,
    count_met,
    hard_filter,
    matched,
    place_kind,
    points,
    score,
)
from portal.models import (
    Application,
    AuditEvent,
    Certificate,
    Cetpro,
    Module,
    Nomination,
    Opening,
    OpeningRequirement,
    Programme,
    StudentProfile,
    StudentSkill,
    User,
    opening_cetpros,
    student_modules,
)
from portal.openings import listing
from portal.paging import Choice, Flag, Number, PageNumber, QueryFilters


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


# A candidate's plain columns, as `_scored` reads them.
CANDIDATE_COLUMNS = (StudentProfile.id, StudentProfile.programme_id, StudentProfile.level, StudentProfile.status,
                     StudentProfile.graduation_date, StudentProfile.department_code, StudentProfile.province_code)


def candidate_statement(opening: OpeningFacts, today: date, cetpro_ids: list[int] | None = None,
                        verified_only: bool = False, exclude_applied: bool = True, by_ids: bool = False) -> tuple:
    """(statement, values to bind at execution): the students the opening may rank, as plain
    columns of student_profiles (`CANDIDATE_COLUMNS`, read from its matching index, plus one
    primary-key probe of users for the confirmed email: an unconfirmed sign-up is nobody's
    candidate); `_programmes` names their programmes and families. Its conditions: the
    programme (the opening's family or one it accepts), open to offers, the modality's legal
    window (a superset of the engine's exact rule), the CETPROs, verified, not applied yet.

    The statement is built, and its cache key made, once per shape rather than on each
    request (building it cost ~1 ms of the candidates page, 2026-12-04). `by_ids`: of some
    students only, their ids bound as `student_ids` (`_rows_of`)."""
    values = {**_profile_values(opening, today, cetpro_ids), "opening_id": opening.id}
    shape = _candidate_shape(opening.kind, cetpro_ids is not None, verified_only, exclude_applied,
                             db.session.get_bind().dialect.name, by_ids)
    return shape, values


@functools.cache
def _candidate_shape(kind: str, by_cetpro: bool, verified_only: bool, exclude_applied: bool, dialect: str,
                     by_ids: bool = False):
    """`candidate_statement`'s statement, its values bound at execution;
    tests/matching/test_ranking_counts.py holds its rows to the rules read off whole profiles."""
    query = select(*CANDIDATE_COLUMNS).where(*_profile_shape(kind, by_cetpro, verified_only), confirmed_student())
    if exclude_applied:
        query = query.where(~exists().where(Application.opening_id == bindparam("opening_id"),
                                            Application.student_id == StudentProfile.id))
    if by_ids:
        query = query.where(_one_of(StudentProfile.id))
    return query


def _profile_shape(kind: str, by_cetpro: bool, verified_only: bool) -> list:
    """`candidate_statement`'s conditions on student_profiles' own columns (its matching index
    holds them all), with bind parameters for their values (`_profile_values`)."""
    programmes = select(Programme.id).where(
        or_(Programme.family_id == bindparam("family_id"),
            Programme.id.in_(bindparam("programme_ids", expanding=True))))
    conditions = [StudentProfile.programme_id.in_(programmes), StudentProfile.open_to_offers.is_(True)]
    if kind == "practicas_preprofesionales":
        conditions.append(StudentProfile.status == "estudiante")
    elif kind == "practicas_profesionales":
        conditions += [StudentProfile.status != "estudiante",
                       StudentProfile.graduation_date >= bindparam("earliest", type_=Date)]
    if by_cetpro:
        conditions.append(_one_of(StudentProfile.cetpro_id, "cetpro_ids"))
    if verified_only:
        conditions.append(StudentProfile.verification_state == "verified")
    return conditions


def _profile_values(opening: OpeningFacts, today: date, cetpro_ids: list[int] | None) -> dict:
    values = {"family_id": opening.family_id, "programme_ids": sorted(opening.programme_ids)}
    if opening.kind == "practicas_profesionales":
        values["earliest"] = add_months(today, -12) - timedelta(days=1)
    if cetpro_ids is not None:
        values["cetpro_ids"] = list(cetpro_ids)
    return values


def _programmes() -> dict[int, tuple[int, str]]:
    """Programme id → (family id, name), every programme: the open openings' taxonomy,
    exact as of the current data version (programmes and families are watched), read
    with no statement of its own."""
    return listing.open_openings(clock.today()).programmes


def _rows_of(connection, statement: tuple, student_ids: list[int]) -> list:
    """`candidate_statement` rows of these students only, chunk by chunk: `statement` is
    `candidate_statement(..., by_ids=True)`, built once per shape. The ids are bound at
    execution (`_one_of`: one array on PostgreSQL, where a batch of 200 placeholders made a
    statement over psycopg's 4 KB that it converted anew on every run)."""
    query, values = statement
    return [row for chunk in chunks(student_ids)
            for row in connection.execute(query, {**values, "student_ids": chunk}).all()]


def chunks(ids: list[int], size: int = 5000):
    """Explicit id lists (the filter already ran once) in chunks under SQLite's variable limit."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def candidates(opening: OpeningFacts, today: date, **filters) -> list[CandidateFacts]:
    """Whole facts (modules and skills loaded) of the candidates the SQL filter lets through."""
    rows = db.session.execute(*candidate_statement(opening, today, **filters)).all()
    if not rows:
        return []
    programmes = _programmes()
    items = held_items([row[0] for row in rows], any(r.key[0] == "skill" for r in opening.requirements))
    return [
        _with_items(CandidateFacts(id_, programme_id, programmes[programme_id][0], level, status, graduation_date,
                                   department, province, programme_name=programmes[programme_id][1]), items)
        for id_, programme_id, level, status, graduation_date, department, province in rows
    ]


# The modules certified by a certificate in force (what matching counts whole).
_CERTIFIED = select(Certificate.student_id, Certificate.module_id).where(Certificate.state == "vigente")


# `held_items`' reads, built once (the ids bound at execution).
_HELD_CERTIFIED = _CERTIFIED.where(Certificate.student_id.in_(bindparam("student_ids", expanding=True)))
_HELD_MODULES = (select(student_modules.c.student_id, Module.id, Module.name)
                 .join(Module, Module.id == student_modules.c.module_id)
                 .where(student_modules.c.student_id.in_(bindparam("student_ids", expanding=True)))
                 .order_by(Module.position, Module.id))
_HELD_SKILLS = select(StudentSkill.student_id, StudentSkill.normalized).where(
    StudentSkill.student_id.in_(bindparam("student_ids", expanding=True)))


def held_items(student_ids: list[int], want_skills: bool = True, held=None
               ) -> tuple[dict[int, list[tuple[int, str]]], dict[int, set[str]], dict[int, set[int]]]:
    """What these students hold: the modules they declared as (id, name) in the programme's
    order, their skills' normalised names, and the modules their CETPRO certified (in force).
    One read of each (per 5,000 students), as plain rows. `held`, when the caller read these
    students' certificates already (`certificates.by_student`), gives the certified modules."""
    modules: dict[int, list[tuple[int, str]]] = {}
    skills: dict[int, set[str]] = {}
    certified: dict[int, set[int]] = {}
    if held is not None:
        for student_id, by_module in held.items():
            if in_force := {module_id for module_id, cert in by_module.items() if cert.in_force}:
                certified[student_id] = in_force
    connection = db.session.connection()
    for chunk in chunks(student_ids):
        for student_id, module_id, name in connection.execute(_HELD_MODULES, {"student_ids": chunk}).all():
            modules.setdefault(student_id, []).append((module_id, name))
        if held is None:
            for student_id, module_id in connection.execute(_HELD_CERTIFIED, {"student_ids": chunk}).all():
                certified.setdefault(student_id, set()).add(module_id)
        if want_skills:
            for student_id, skill in connection.execute(_HELD_SKILLS, {"student_ids": chunk}).all():
                skills.setdefault(student_id, set()).add(skill)
    return modules, skills, certified


def _with_items(candidate: CandidateFacts, items) -> CandidateFacts:
    modules, skills, certified = items
    return replace(candidate, module_ids=frozenset(module_id for module_id, _ in modules.get(candidate.id, ())),
                   skills=frozenset(skills.get(candidate.id, ())),
                   certified_ids=frozenset(certified.get(candidate.id, ())))


def strong_counts(cetpro_id: int, openings: list, today: date | None = None, rows: list | None = None
                  ) -> dict[int, int]:
    """For each opening, how many of one CETPRO's students score STRONG_SCORE or more: the
    count its candidates page shows.

    The openings' facts come from the listing's index (the dashboard lists open openings;
    any other is loaded). Three statements whatever the number of openings: the CETPRO's
    students some opening could take (plain columns), which of the openings' items they
    hold, and their applications to them. Each opening is then scored by counts
    (`_scored`), as `ranked_for_opening` ranks its candidates page. `rows`, when given, are
    CANDIDATE_COLUMNS rows of the CETPRO's students open to offers (`students_of`), any
    programme: the first statement is then not run.
    """
    today = today or clock.today()
    if not openings:
        return {}
    opening_ids = [o.id for o in openings]
    facts = matching_index.open_opening_facts(opening_ids, today)
    for opening_id in set(opening_ids) - set(facts):
        facts[opening_id] = opening_facts(load_opening(opening_id))
    programmes = _programmes()
    families = {f.family_id for f in facts.values()}
    accepted = {p for f in facts.values() for p in f.programme_ids}
    connection = db.session.connection()
    # only students some opening could take (the engine's programme filter, widened)
    takeable = sorted(p for p, (family_id, _) in programmes.items() if family_id in families or p in accepted)
    if rows is None:
        rows = connection.execute(
            select(*CANDIDATE_COLUMNS).where(
                students_of(cetpro_id), StudentProfile.open_to_offers.is_(True),
                StudentProfile.programme_id.in_(takeable))
        ).all()
    else:
        takeable = set(takeable)
        rows = [row for row in rows if row[1] in takeable]
    if not rows:
        return dict.fromkeys(opening_ids, 0)
    modules, skills, certified = _items_among([row[0] for row in rows],
                                              [r for f in facts.values() for r in f.requirements])
    # Every application to these openings (an index-only read of (opening, student)): only
    # these rows' pairs are looked up, so other CETPROs' need no join to be left out.
    applied = set(connection.execute(
        select(Application.opening_id, Application.student_id).where(Application.opening_id.in_(opening_ids))
    ).tuples())
    counts = {}
    for opening_id in opening_ids:
        opening = facts[opening_id]
        within = [row for row in rows
                  if (programmes[row[1]][0] == opening.family_id or row[1] in opening.programme_ids)
                  and (opening_id, row[0]) not in applied]
        holders = {row[0]: count_met(opening.requirements, modules.get(row[0], ()), skills.get(row[0], ()),
                                     certified.get(row[0], ()))
                   for row in within}
        counts[opening_id] = sum(1 for m in _scored(opening, within, programmes, holders, today)
                                 if m.score >= STRONG_SCORE)
    return counts


def _items_among(student_ids: list[int], requirements
                 ) -> tuple[dict[int, set[int]], dict[int, set[str]], dict[int, set[int]]]:
    """Which of these requirements' modules each of these students declared, which skills
    she holds, and which of the modules her CETPRO certified (in force)."""
    modules: dict[int, set[int]] = {}
    skills: dict[int, set[str]] = {}
    certified: dict[int, set[int]] = {}
    wanted = {r.key for r in requirements}
    wanted_modules = sorted(value for kind, value in wanted if kind == "module")
    wanted_skills = sorted(value for kind, value in wanted if kind == "skill")
    connection = db.session.connection()
    if wanted_modules:
        query = _modules_among(connection.dialect.name)
        for chunk in chunks(student_ids):
            for student_id, module_id, is_certified in connection.execute(
                    query, {"student_ids": chunk, "module_ids": wanted_modules}).all():
                (certified if is_certified else modules).setdefault(student_id, set()).add(module_id)
    if wanted_skills:
        query = _skills_among(connection.dialect.name)
        for chunk in chunks(student_ids):
            for student_id, skill in connection.execute(query, {"student_ids": chunk, "skills": wanted_skills}).all():
                skills.setdefault(student_id, set()).add(skill)
    return modules, skills, certified


# `_items_among`'s reads, built once per database (ids and items bound at execution), not on
# each call.
@functools.cache
def _modules_among(dialect: str):
    """Declared and certified in one statement (`certified` tells them apart). Read by
    student (the primary key) and filtered on the module: `+ 0` keeps SQLite from walking
    the module index once per (module, student) pair instead."""
    return union_all(
        select(student_modules.c.student_id, student_modules.c.module_id,
               literal_column("0").label("certified")).where(
            _one_of(student_modules.c.student_id),
            (student_modules.c.module_id + 0).in_(bindparam("module_ids", expanding=True))),
        _CERTIFIED.add_columns(literal_column("1").label("certified")).where(
            _one_of(Certificate.student_id), (Certificate.module_id + 0).in_(bindparam("module_ids", expanding=True))))


@functools.cache
def _skills_among(dialect: str):
    """Only the skills asked for: a few probes of ix_student_skills_normalized rather than
    every skill of every candidate."""
    return select(StudentSkill.student_id, StudentSkill.normalized).where(
        StudentSkill.normalized.in_(bindparam("skills", expanding=True)), _one_of(StudentSkill.student_id))


def _one_of(column, name: str = "student_ids"):
    """`column IN :name`, the ids bound at execution. On PostgreSQL as one array (`= ANY`):
    psycopg converts a statement's parameters to PostgreSQL's anew on each run once its text
    is over 4 KB (its conversion cache skips longer ones), and one CETPRO's 262 ids made 3.3–4.8 ms of a 0.6 ms
    read (2026-12-04, the coordinator dashboard)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))


FEW_CANDIDATES = 400  # up to this many, their own rows are read; past it, each item's holders


def _held_counts(requirements: tuple[Requirement, ...], by_ids: bool = False):
    """One statement: per student who meets any of these requirements, (student id, required
    met, desired met, required met only declared, desired met only declared), `engine.count_met`'s
    counts (`_has`'s rule: a module declared or certified, a skill), grouped once in SQL.

    Each module a student declared (student_modules), has certified (a certificate in force)
    or both, and each skill asked for, is one or two rows of a union; grouped by student and
    item, then summed (a module declared and certified counts once, and as certified). Read by
    item through the reverse indexes on student_modules, certificates and student_skills, or
    by student when `by_ids` (the students' ids bound at execution as `student_ids`)."""
    asked = {kind: (sorted(v for (k, v), required in ((r.key, r.required) for r in requirements)
                           if k == kind and required),
                    sorted(v for (k, v), required in ((r.key, r.required) for r in requirements)
                           if k == kind and not required))
             for kind in ("module", "skill")}
    modules, skills = asked["module"][0] + asked["module"][1], asked["skill"][0] + asked["skill"][1]
    parts = []
    no_skill, no_module = cast(null(), String), cast(null(), Integer)
    if modules:
        declared = select(student_modules.c.student_id.label("student_id"),
                          student_modules.c.module_id.label("module_id"), no_skill.label("skill"),
                          literal_column("0").label("certified")).where(student_modules.c.module_id.in_(modules))
        certified = select(Certificate.student_id, Certificate.module_id, no_skill,
                           literal_column("1")).where(Certificate.state == "vigente", Certificate.module_id.in_(modules))
        if by_ids:
            declared = declared.where(_one_of(student_modules.c.student_id))
            certified = certified.where(_one_of(Certificate.student_id))
        parts += [declared, certified]
    if skills:
        held = select(StudentSkill.student_id.label("student_id"), no_module.label("module_id"),
                      StudentSkill.normalized.label("skill"), literal_column("0").label("certified")).where(
            StudentSkill.normalized.in_(skills))
        parts.append(held.where(_one_of(StudentSkill.student_id)) if by_ids else held)
    items = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    # Each item a student holds once, certified if any of its rows is: then plain sums count
    # what `count(DISTINCT …)` would, without a sort per aggregate and group (PostgreSQL, the
    # bench's 1x opening's 648 holders: 2.7 ms in that aggregate alone).
    per_item = (select(items.c.student_id, items.c.module_id, items.c.skill,
                       func.max(items.c.certified).label("certified"))
                .group_by(items.c.student_id, items.c.module_id, items.c.skill).subquery())
    module, skill = per_item.c.module_id, per_item.c.skill

    def one(condition):
        return func.sum(case((condition, 1), else_=0))

    def met(kind: int):
        wanted = [module.in_(asked["module"][kind])] if asked["module"][kind] else []
        wanted += [skill.in_(asked["skill"][kind])] if asked["skill"][kind] else []
        return one(or_(*wanted)) if wanted else literal_column("0")

    def declared_only(kind: int):
        if not asked["module"][kind]:
            return literal_column("0")
        return one(and_(module.in_(asked["module"][kind]), per_item.c.certified == 0))

    return select(per_item.c.student_id, met(0).label("required_met"), met(1).label("desired_met"),
                  declared_only(0).label("required_declared"), declared_only(1).label("desired_declared")) \
        .group_by(per_item.c.student_id)


def _holders(requirements: tuple[Requirement, ...], candidate_ids: list[int]) -> dict[int, Met]:
    """Student id → what of these requirements the student meets (`_held_counts`), for the
    candidates who meet any. A few candidates (one CETPRO's) are looked up by their ids;
    many (an opening for every CETPRO) through the reverse indexes: a few hundred holders
    per module nationwide, fewer rows than the candidates' own."""
    if not requirements:
        return {}
    connection = db.session.connection()
    if 0 < len(candidate_ids) <= FEW_CANDIDATES:  # none given: every holder
        rows = connection.execute(_held_counts_by_ids(requirements, connection.dialect.name),
                                  {"student_ids": list(candidate_ids)})
    else:
        rows = connection.execute(_held_counts(requirements))
    return _met_by_student(requirements, rows)


@functools.lru_cache(maxsize=64)
def _held_counts_by_ids(requirements: tuple[Requirement, ...], dialect: str):
    """`_held_counts(requirements, by_ids=True)`, built (and its cache key made) once per
    opening's requirements rather than on each request: building it cost ~1 ms of the
    candidates page (2026-12-04). The ids bound at execution keep it short on PostgreSQL
    (`_one_of`). The 64 most recently used are kept: ~93 KiB each with its cache key (four
    requirements, tracemalloc), ~6 MB a worker."""
    return _held_counts(requirements, by_ids=True)


@functools.lru_cache(maxsize=64)
def _with_held_counts(query, requirements: tuple[Requirement, ...], dialect: str):
    """`candidate_statement(..., by_ids=True)`'s rows, each followed by the student's
    `_held_counts` of these requirements (their student id first; None when she meets none):
    one statement for a batch of `_certified_first`, where its rows, modules and skills took
    three: `best_for_opening` of the bench's 5x opening that reads three batches, PostgreSQL
    p50 21.7-23.1 -> 19.6-20.9 ms in process (2026-12-05)."""
    rows = query.subquery()
    held = _held_counts_by_ids(requirements, dialect).subquery()
    return select(rows, held).outerjoin_from(rows, held, held.c.student_id == rows.c.id)


def _met_by_student(requirements: tuple[Requirement, ...], rows) -> dict[int, Met]:
    """`_held_counts` rows as student id → Met (with the opening's totals)."""
    required = sum(1 for r in requirements if r.required)
    desired = len(requirements) - required
    return {student_id: Met(required_met, required, desired_met, desired, required_declared, desired_declared)
            for student_id, required_met, desired_met, required_declared, desired_declared in rows}


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
    today = today or clock.today()
    if only_ids is not None and not only_ids:
        return []
    connection = db.session.connection()
    if only_ids is not None and facts.requirements:
        rows, met = _rows_and_counts(connection, facts, today, filters, only_ids)
        return _scored(facts, rows, _programmes(), met, today)
    if only_ids is None:
        rows = connection.execute(*candidate_statement(facts, today, **filters)).all()
    else:
        rows = _rows_of(connection, candidate_statement(facts, today, by_ids=True, **filters), only_ids)
    if not rows:
        return []
    return _scored(facts, rows, _programmes(), _holders(facts.requirements, [row[0] for row in rows]), today)


def _rows_and_counts(connection, facts: OpeningFacts, today: date, filters: dict, student_ids: list[int]
                     ) -> tuple[list, dict[int, Met]]:
    """`candidate_statement` rows of these students, and what each meets of the opening's
    requirements (`_held_counts`), read together in one statement per chunk (`_with_held_counts`)."""
    query, values = candidate_statement(facts, today, by_ids=True, **filters)
    query = _with_held_counts(query, facts.requirements, connection.dialect.name)
    rows = [row for chunk in chunks(student_ids)
            for row in connection.execute(query, {**values, "student_ids": chunk}).all()]
    return [row[:7] for row in rows], _met_by_student(facts.requirements, (row[7:] for row in rows
                                                                           if row[7] is not None))


def _scored(facts: OpeningFacts, rows, programmes: dict, holders: dict, today: date) -> list[Match]:
    """`candidate_statement` rows scored, best first: `score_counted` by parts, the points of
    the candidate alone and of the place computed once per distinct value (they repeat
    across thousands of candidates)."""
    required = sum(1 for r in facts.requirements if r.required)
    nothing = Met(0, required, 0, len(facts.requirements) - required)
    matches = []
    own_points: dict[tuple, int] = {}
    place_of: dict[tuple, str] = {}
    for id_, programme_id, level, status, graduation_date, department, province in rows:
        family_id, programme_name = programmes[programme_id]
        met = holders.get(id_, nothing)
        candidate = CandidateFacts(id_, programme_id, family_id, level, status, graduation_date, department,
                                   province, None, None, True, programme_name)
        if hard_filter(facts, candidate, today) is not None:
            continue
        if (own := own_points.get((level, status, graduation_date))) is None:
            own = own_points[level, status, graduation_date] = candidate_points(candidate, today)
        if (place := place_of.get((department, province))) is None:
            place = place_of[department, province] = place_kind(facts, candidate)
        total = points(met, place, programme_id in facts.programme_ids, own)
        matches.append(matched(id_, total, met, facts, candidate, today))
    return best_first(matches)


HOLDER_BATCH = 200  # holders read per statement, best possible scores first
# Where `_certified_first` is tried: a remote opening gives everyone the same place points,
# so the certified usually settle its top (17 of 25 sampled at 1x and at 5x); elsewhere the
# 15 points of the opening's province let uncertified neighbours outrank them, it settled
# 2 of 30 at 1x, and its statement (2-10 ms at 5x) was spent in vain.
CERTIFIED_FIRST_MODES = ("remoto",)
FEW_TARGETS = 20  # an opening for up to this many CETPROs ranks their candidates whole


def best_for_opening(facts: OpeningFacts, count: int, today: date | None = None, exclude=frozenset(),
                     **filters) -> list[Match]:
    """`ranked_for_opening(...)` without `exclude`, first `count` — usually without reading
    every candidate: an opening for every CETPRO has thousands nationwide.

    For a remote opening, first the students holding a certificate in force of one of its
    modules (`_certified_first`): under a thousand at five times the set, and the top is
    often among them, since a module only declared counts DECLARED_WEIGHT of one. When
    that does not settle it, the holders of any of its items (`_holders_first`), and
    otherwise everyone.

    An opening for a few CETPROs (`cetpro_ids`) ranks their candidates whole: a few hundred,
    while the holders nationwide, most of them from other CETPROs, would be read in vain.
    """
    today = today or clock.today()
    if count <= 0:
        return []
    targets = filters.get("cetpro_ids")
    if facts.requirements and (targets is None or len(targets) > FEW_TARGETS):
        for path in (_certified_first, _holders_first):
            if (top := path(facts, count, today, exclude, filters)) is not None:
                return top
    return [m for m in ranked_for_opening(facts, today, **filters) if m.candidate_id not in exclude][:count]


def _certified_first(facts: OpeningFacts, count: int, today: date, exclude, filters) -> list[Match] | None:
    """The top `count` when the students holding a certificate in force of one of the
    opening's modules settle it, else None.

    A student's score is bounded before her modules are read: with `c` of the opening's
    modules certified, at best every item is met and the other modules only declared, and
    place, programme, level and recency come from her profile's columns. One statement
    counts the certificates of the opening's modules by student, joins their profiles (the
    hard filters on their own columns), keeps those whose bound reaches the top, bounds
    them again by the opening's skills they hold (the first bound has every skill held: at
    five times the set, of the 387 students that bound lets through for the bench's
    opening asking a skill, 28 hold enough to reach its top), and orders them by that bound,
    in whole numbers (`_Bound`), so the order is exact; they are read in batches and scored exactly
    (`candidate_statement`'s whole filter and `_held_counts` of the batch in one statement,
    `_with_held_counts`, then `_scored`) until the `count`-th best scores above the next
    one's bound and beats every student without such a certificate (`_uncertified_key`);
    those whose bound cannot reach that are not even selected. At five times the set an opening's holders of any item number
    5,000–30,000 and counting them costs 12–60 ms; its certified ones number under a
    thousand: the bench's two openings were settled by the first 40 rows read and by 387.
    """
    modules = sorted({r.key[1] for r in facts.requirements if r.key[0] == "module"})
    if not modules or facts.work_mode not in CERTIFIED_FIRST_MODES:
        return None
    bound = _Bound.of(facts)
    uncertified = _uncertified_key(facts, bound)
    # Settled only if the `count`-th best scores at least as much as the uncertified can: whoever's
    # bound rounds below that is not selected, nor joined to her profile when her certificates
    # with the best place, programme, level and recency fall short.
    reachable = -uncertified[0]
    least = -(-bound.scale * (2 * reachable - 1) // 2)  # the least value that rounds to `reachable`
    asked = {(kind, wanted): sorted(r.key[1] for r in facts.requirements if r.key[0] == kind and r.required == wanted)
             for kind in ("module", "skill") for wanted in (True, False)}
    required, desired = asked["module", True], asked["module", False]
    cetpro_ids, verified_only = filters.get("cetpro_ids"), filters.get("verified_only", False)
    connection = db.session.connection()
    statement = _bounds_shape(facts.kind, cetpro_ids is not None, verified_only, bool(required), bool(desired),
                              bool(asked["skill", True]), bool(asked["skill", False]),
                              facts.work_mode == "remoto", bool(facts.province_code), bool(facts.department_code),
                              bool(facts.programme_ids), connection.dialect.name)
    bounds = connection.execute(statement, {
        **_profile_values(facts, today, cetpro_ids), **_own_points_values(facts, today),
        "module_ids": modules, "required_ids": required, "desired_ids": desired, "constant": bound.constant,
        "per_required": bound.per_required, "per_desired": bound.per_desired, "scale": bound.scale,
        "required_skills": asked["skill", True], "desired_skills": asked["skill", False],
        "required_skill_count": len(asked["skill", True]), "desired_skill_count": len(asked["skill", False]),
        "per_required_skill": bound.per_required_skill, "per_desired_skill": bound.per_desired_skill,
        "least": least, "least_certified": least - bound.constant - bound.scale * uncertified[3]})
    programmes = _programmes()
    top: list[Match] = []
    batch = bounds.fetchmany(min(HOLDER_BATCH, 2 * count))  # the top is usually among the first few
    while batch:
        rows, met = _rows_and_counts(connection, facts, today, filters, [row[0] for row in batch])
        top = best_first(top + [m for m in _scored(facts, rows, programmes, met, today)
                                if m.candidate_id not in exclude])[:count]
        batch = bounds.fetchmany(HOLDER_BATCH)
        if len(top) == count and _key(top[-1]) < uncertified[:3] and (
                not batch or top[-1].score > bound.half_up(batch[0][1])):
            bounds.close()
            return top
    bounds.close()
    return None


def _key(match: Match) -> tuple:
    """`best_first`'s order without the candidate id: the smaller, the better."""
    return -match.score, match.required_declared + match.desired_declared, -match.required_met


@dataclass(frozen=True)
class _Bound:
    """`engine.points` of an opening in whole numbers, scaled by `scale`: `constant` when
    every item is met with the modules only declared, plus `per_required` (`per_desired`)
    for each required (desired) module certified, plus `scale` times the points of place,
    programme, level and recency, less `per_required_skill` (`per_desired_skill`) for each
    required (desired) skill not held. `half_up` rounds as `engine.points` does; its floats
    differ from this exact sum by far less than 1/scale, so they never round above it."""

    scale: int
    constant: int
    per_required: int
    per_desired: int
    per_required_skill: int = 0  # what one of its required (desired) skills adds, held
    per_desired_skill: int = 0

    @classmethod
    def of(cls, facts: OpeningFacts) -> _Bound:
        weight = Fraction(DECLARED_WEIGHT).limit_denominator(1000)
        whole, lost = weight.denominator, weight.denominator - weight.numerator  # declared: loses lost/whole
        required = sum(1 for r in facts.requirements if r.required)
        desired = len(facts.requirements) - required
        modules = {kind: sum(1 for r in facts.requirements if r.key[0] == "module" and r.required == kind)
                   for kind in (True, False)}
        r, d = max(required, 1), max(desired, 1)
        scale = whole * r * d
        constant = (WEIGHTS["required"] * d * (required * whole - lost * modules[True]) if required
                    else WEIGHTS["required"] * scale)
        constant += (WEIGHTS["desired"] * r * (desired * whole - lost * modules[False]) if desired
                     else WEIGHTS["desired"] * scale)
        return cls(scale, constant, WEIGHTS["required"] * d * lost if required else 0,
                   WEIGHTS["desired"] * r * lost if desired else 0,
                   WEIGHTS["required"] * d * whole if required else 0, WEIGHTS["desired"] * r * whole if desired else 0)

    def half_up(self, value: int) -> int:
        return (2 * value + self.scale) // (2 * self.scale)


@functools.lru_cache(maxsize=64)
def _bounds_shape(kind: str, by_cetpro: bool, verified_only: bool, required: bool, desired: bool,
                  required_skills: bool, desired_skills: bool, remote: bool, province: bool, department: bool,
                  programmes: bool, dialect: str):
    """`_certified_first`'s statement: the students with a certificate in force of one of
    the opening's modules whose bound (`_Bound`) reaches `least`, best bound first. When the
    opening asks for skills, those whose bound with every skill held reaches `least` are
    bounded again by the skills they hold (one index read each). Built (and its cache key
    made) once per shape, its values bound at execution: building it cost about 1 ms of
    Recomendados (2026-12-05)."""
    counts = _certified_counts(required, desired)
    least = bindparam("least", type_=Integer)
    value = (bindparam("constant", type_=Integer) + bindparam("per_required", type_=Integer) * counts.c.required
             + bindparam("per_desired", type_=Integer) * counts.c.desired
             + bindparam("scale", type_=Integer) * _own_points_at_most(remote, province, department, programmes)
             ).label("bound")
    rows = (select(StudentProfile.id, value)
            .join_from(counts, StudentProfile, StudentProfile.id == counts.c.student_id)
            .where(*_profile_shape(kind, by_cetpro, verified_only), value >= least))
    skills = [name for name, asked in (("required", required_skills), ("desired", desired_skills)) if asked]
    if not skills:
        return rows.order_by(desc(value), StudentProfile.id)
    # OFFSET 0 keeps PostgreSQL from merging this into the outer query, where each count
    # would be read once for every place the bound names it.
    rows = rows.add_columns(*(_skills_held(f"{name}_skills").label(f"{name}_held") for name in skills)) \
        .offset(0).subquery()
    bound = rows.c.bound
    for name in skills:
        bound -= bindparam(f"per_{name}_skill", type_=Integer) * (bindparam(f"{name}_skill_count", type_=Integer)
                                                                    - rows.c[f"{name}_held"])
    return select(rows.c.id, bound.label("bound")).where(bound >= least).order_by(desc(bound), rows.c.id)


def _skills_held(name: str):
    """How many of the skills bound as `name` the student of the outer query holds."""
    return (select(func.count()).select_from(StudentSkill)
            .where(StudentSkill.student_id == StudentProfile.id,
                   StudentSkill.normalized.in_(bindparam(name, expanding=True)))
            .scalar_subquery())


def _certified_counts(required: bool, desired: bool):
    """Per student with a certificate in force of one of the opening's modules (`module_ids`):
    how many of its required (`required_ids`) and desired (`desired_ids`) ones are certified
    (a duplicate certificate counts twice: the bound only grows), when what they add to the
    bound reaches `least_certified`."""
    def counted(wanted: bool, name: str):
        return func.sum(case((Certificate.module_id.in_(bindparam(name, expanding=True)), 1), else_=0)) if wanted \
            else literal_column("0")

    required, desired = counted(required, "required_ids"), counted(desired, "desired_ids")
    return (select(Certificate.student_id, required.label("required"), desired.label("desired"))
            .where(Certificate.state == "vigente", Certificate.module_id.in_(bindparam("module_ids", expanding=True)))
            .group_by(Certificate.student_id)
            .having(bindparam("per_required", type_=Integer) * required
                    + bindparam("per_desired", type_=Integer) * desired
                    >= bindparam("least_certified", type_=Integer)).subquery())


def _own_points_at_most(remote: bool, province: bool, department: bool, programmes: bool):
    """The points of place, programme, level and recency as SQL on student_profiles' columns:
    `place_kind`, the programme and `candidate_points`, at least (the recency thresholds
    widened by a few days; a bound may be generous, never short). Its values:
    `_own_points_values`."""
    if remote:
        place = literal_column(str(PLACE_POINTS["remote"]))
    else:
        place = case(*((column == bindparam(name, type_=String), PLACE_POINTS[kind]) for column, name, kind, wanted in (
            (StudentProfile.province_code, "province_code", "province", province),
            (StudentProfile.department_code, "department_code", "department", department)) if wanted),
            else_=PLACE_POINTS["elsewhere"])
    programme = case((StudentProfile.programme_id.in_(bindparam("programme_ids", expanding=True)),
                      PROGRAMME_POINTS["accepted"]), else_=PROGRAMME_POINTS["family"]) if programmes else \
        literal_column(str(PROGRAMME_POINTS["family"]))
    level = case(*((StudentProfile.level == name, value) for name, value in LEVEL_POINTS.items()), else_=0)
    recency = case((or_(StudentProfile.status == "estudiante", StudentProfile.graduation_date.is_(None)),
                    RECENCY_POINTS[0][1]),
                   *((StudentProfile.graduation_date >= bindparam(f"recent_{months}", type_=Date), value)
                     for months, value in RECENCY_POINTS), else_=RECENCY_OLD)
    return place + programme + level + recency


def _own_points_values(facts: OpeningFacts, today: date) -> dict:
    return {"province_code": facts.province_code, "department_code": facts.department_code,
            **{f"recent_{months}": add_months(today, -(months + 1)) - timedelta(days=3) for months, _ in RECENCY_POINTS}}


def _uncertified_key(facts: OpeningFacts, bound: _Bound) -> tuple:
    """The best `_key` of a student without a certificate in force of any of the opening's
    modules: every item met (the modules only declared), best place, programme, level and
    recency (the points of those last four follow the key). When every item is worth a
    point or more, whoever scores that much met them all, so has every module only declared."""
    required = sum(1 for r in facts.requirements if r.required)
    desired = len(facts.requirements) - required
    modules = sum(1 for r in facts.requirements if r.key[0] == "module")
    best = (PLACE_POINTS["remote"] if facts.work_mode == "remoto"
            else max(PLACE_POINTS[kind] for kind in ("province", "department", "elsewhere")))
    best += PROGRAMME_POINTS["accepted" if facts.programme_ids else "family"]
    best += max(LEVEL_POINTS.values()) + max([points for _, points in RECENCY_POINTS] + [RECENCY_OLD])
    worth_a_point = all(WEIGHTS[kind] * Fraction(DECLARED_WEIGHT).limit_denominator(1000) >= n
                        for kind, n in (("required", required), ("desired", desired)) if n)
    return -bound.half_up(bound.constant + bound.scale * best), modules if worth_a_point else 0, -required, best


def _holders_first(facts: OpeningFacts, count: int, today: date, exclude, filters) -> list[Match] | None:
    """The top `count` from the holders of any of the opening's items, else None.

    How many of the opening's items a student meets bounds the student's score
    (`engine.ceiling`: best place, programme, level and recency). One statement counts what
    each holder meets, orders them by that bound and takes a page of them, best first, each
    with her candidate row when she passes the opening's filters (`_holders_page`); once
    `count` of those read score above the bound of everyone not read yet (the next holder's,
    and the non-holders' below it), nobody else can reach the top and they are the answer.
    Otherwise the next page, four times longer. Only the page's rows become Python objects:
    at five times the set an opening's holders number 5,000–30,000, and counting them in
    Python cost 100–150 ms.
    """
    connection = db.session.connection()
    query, values = candidate_statement(facts, today, **filters)
    statement = _holders_page(facts.requirements, query, connection.dialect.name)
    programmes = _programmes()
    top: list[Match] = []
    offset, size = 0, HOLDERS_PAGE
    while True:
        # One holder past the page: the best bound of those not read yet.
        rows = connection.execute(statement, {**values, "offset": offset, "limit": size + 1}).all()
        page, unread = rows[:size], rows[size] if len(rows) > size else None
        passing = [row for row in page if row[5] is not None]
        met = _met_by_student(facts.requirements, (row[:5] for row in passing))
        top = best_first(top + [m for m in _scored(facts, [row[5:] for row in passing], programmes, met, today)
                                if m.candidate_id not in exclude])[:count]
        bound = ceiling(facts, unread[1], unread[2]) if unread else ceiling(facts)
        if len(top) == count and top[-1].score > bound:
            return top
        if unread is None:
            return None
        offset, size = offset + size, 4 * size


HOLDERS_PAGE = 600  # holders `_holders_first` reads first; the bench's 1x opening settles within 600 of its 648


@functools.lru_cache(maxsize=64)
def _holders_page(requirements: tuple[Requirement, ...], candidates, dialect: str):
    """`_holders_first`'s statement: `_held_counts` of every holder, highest bound first, a
    page of them (`limit` from `offset`), each joined to her row of `candidates`
    (`candidate_statement`'s; None when she does not pass its filters): the holder's five
    counts, then the candidate's seven columns. The page is cut before the join, so only
    its holders are joined (PostgreSQL may still read the opening's candidates whole to hash
    them: the 411 of the bench's 1x opening, about 2 ms). Built (and its cache key made)
    once per opening's requirements and candidate shape."""
    required = sum(1 for r in requirements if r.required)
    desired = len(requirements) - required
    held = _held_counts(requirements).subquery()
    # The bound grows with 50·required met/required + 15·desired met/desired: ordered by
    # that sum times required·desired (whole numbers), equal bounds side by side.
    order = (held.c.required_met * (WEIGHTS["required"] * max(desired, 1))
             + held.c.desired_met * (WEIGHTS["desired"] * max(required, 1))).label("bound")
    page = (select(held, order).order_by(desc(order), held.c.student_id)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)).subquery())
    rows = candidates.subquery()
    return (select(page.c.student_id, page.c.required_met, page.c.desired_met, page.c.required_declared,
                   page.c.desired_declared, *rows.c)
            .outerjoin_from(page, rows, rows.c.id == page.c.student_id)
            .order_by(desc(page.c.bound), page.c.student_id))


def explain(matches: list[Match], items=None) -> list[Match]:
    """The given matches (of one opening) scored again from whole facts, modules and skills
    loaded (or given: `held_items` of at least these students), so their reasons can be
    read: for the page shown, not the whole ranking."""
    if not matches:
        return []
    items = items or held_items([m.candidate_id for m in matches])
    return [score(m.opening, _with_items(m.candidate, items), m.today) for m in matches]


@dataclass(frozen=True)
class StudentSummary:
    """What an employer may see of a student before an application: no name, DNI, phone
    or email (a nominee's name comes with the nomination)."""

    id: int
    programme_name: str
    level: str
    status: str
    department_code: str | None
    province_code: str | None
    modules: tuple[str, ...]  # the modules she declared, in the programme's order
    # What backs each: {module name: certificate} (certificates.queries.by_student), the one
    # in force or a revoked one; a certified module she did not declare is here too.
    certificates: dict = field(default_factory=dict, compare=False)


def student_summaries(student_ids: list[int], items, matches: list[Match] = (), held=None
                      ) -> dict[int, StudentSummary]:
    """Student id → summary, the modules taken from `held_items` of (at least) these ids. The
    profile's columns of a student among `matches` are her match's facts, read with the
    ranking; only the others' (the nominees') are read here. `held`: these students'
    certificates when the caller read them (`certificates.by_student`)."""
    if not student_ids:
        return {}
    modules = items[0]
    known = {m.candidate_id: m.candidate for m in matches if m.candidate.programme_name}
    rows = [(c.id, c.programme_name, c.level, c.status, c.department_code, c.province_code)
            for c in (known.get(id_) for id_ in student_ids) if c is not None]
    if unread := [id_ for id_ in student_ids if id_ not in known]:
        rows += db.session.connection().execute(_SUMMARIES, {"student_ids": unread}).all()
    if held is None:
        held = certificates.by_student(student_ids)
    return {row[0]: StudentSummary(*row, tuple(name for _, name in modules.get(row[0], ())),
                                   {cert.module_name: cert for cert in held.get(row[0], {}).values()})
            for row in rows}


_SUMMARIES = (select(StudentProfile.id, Programme.name, StudentProfile.level, StudentProfile.status,
                     StudentProfile.department_code, StudentProfile.province_code)
              .join(Programme, Programme.id == StudentProfile.programme_id)
              .where(StudentProfile.id.in_(bindparam("student_ids", expanding=True))))


@dataclass(frozen=True)
class NominationShown:
    student_id: int
    note: str | None
    invited_at: object
    full_name: str
    cetpro_name: str  # the nominating CETPRO


def nominations_shown(opening_id: int) -> list[NominationShown]:
    """An opening's nominations, newest first, with the nominee's name and the nominating
    CETPRO: what the employer's Recomendados tab lists first."""
    return [NominationShown(student_id, note, invited_at, f"{first} {last}".strip(), cetpro)
            for student_id, note, invited_at, first, last, cetpro
            in db.session.connection().execute(_NOMINATIONS_SHOWN, {"opening_id": opening_id})]


# The statements of Recomendados built once, their values bound at execution: building one
# and its cache key on each request cost 0.3-0.6 ms apiece (2026-12-05, PostgreSQL).
_NOMINATIONS_SHOWN = (
    select(Nomination.student_id, Nomination.note, Nomination.invited_at, User.first_names, User.last_names,
           Cetpro.name)
    .join(StudentProfile, StudentProfile.id == Nomination.student_id)
    .join(User, User.id == StudentProfile.user_id)
    .join(Cetpro, Cetpro.id == Nomination.cetpro_id)
    .where(Nomination.opening_id == bindparam("opening_id"))
    .order_by(Nomination.created_at.desc(), Nomination.id.desc()))
_OPENING_ROW = select(Opening.id, Opening.title, Opening.company_id, Opening.targets_all_cetpros).where(
    Opening.id == bindparam("opening_id"))
_TARGETS = select(opening_cetpros.c.cetpro_id).where(opening_cetpros.c.opening_id == bindparam("opening_id")) \
    .order_by(opening_cetpros.c.cetpro_id)


def company_opening(opening_id: int, company_id: int | None, today: date):
    """(id and title, engine facts, targeted CETPRO ids or None for all) of one of this
    company's openings, or None when it is not the company's. Facts of an open opening
    come from the listing's index; any other opening is loaded."""
    connection = db.session.connection()
    row = connection.execute(_OPENING_ROW, {"opening_id": opening_id}).first()
    if row is None or company_id is None or row.company_id != company_id:
        return None
    facts = matching_index.open_opening_facts([row.id], today).get(row.id) or opening_facts(load_opening(row.id))
    targets = None if row.targets_all_cetpros else list(connection.execute(_TARGETS, {"opening_id": row.id}).scalars())
    return row, facts, targets


def answered(opening_id: int, applied_of: list[int], invited_of: list[int]) -> tuple[set[int], set[int]]:
    """Of `applied_of`, who applied to the opening; of `invited_of`, whom the company invited to
    apply. A nominee's invitation is on its nomination; any other student's is only in the
    audit trail. One statement for both."""
    if not applied_of and not invited_of:
        return set(), set()
    found: dict[str, set[int]] = {"applied": set(), "invited": set()}
    connection = db.session.connection()
    for student_id, kind in connection.execute(_answered(connection.dialect.name), {
            "opening_id": opening_id, "applied_of": list(applied_of), "invited_of": list(invited_of)}):
        found[kind].add(student_id)
    return found["applied"], found["invited"]


@functools.cache
def _answered(dialect: str):
    """`answered`'s statement, built once per database (`_one_of`: the ids bound at execution)."""
    student = AuditEvent.data["student"].as_integer()
    return union_all(
        select(Application.student_id, literal("applied")).where(
            Application.opening_id == bindparam("opening_id"), _one_of(Application.student_id, "applied_of")),
        select(student, literal("invited")).where(
            AuditEvent.object_type == "Opening", AuditEvent.object_id == bindparam("opening_id"),
            AuditEvent.action == "opening.invited", _one_of(student, "invited_of")))


def invited_among(opening_id: int, student_ids: list[int]) -> set[int]:
    return answered(opening_id, [], student_ids)[1]


_NOMINATIONS = select(Nomination).where(Nomination.opening_id == bindparam("opening_id"))


def nominated_ids(opening_id: int) -> dict[int, Nomination]:
    return {n.student_id: n for n in db.session.scalars(_NOMINATIONS, {"opening_id": opening_id})}


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


def profiles_with_users(student_ids: list[int]) -> dict[int, StudentProfile]:
    """The shown candidates' profiles with their users, by id (one statement; none for no ids)."""
    if not student_ids:
        return {}
    return {p.id: p for p in db.session.scalars(_PROFILES_WITH_USERS, {"student_ids": list(student_ids)})}


_PROFILES_WITH_USERS = (select(StudentProfile).where(StudentProfile.id.in_(bindparam("student_ids", expanding=True)))
                        .options(joinedload(StudentProfile.user)))


class CandidateFilters(QueryFilters):
    """Filters of the candidates page; out-of-range scores are clamped, unknown values dropped."""

    minimo = Number(0, 100, clamp=True, default=0, title="Puntaje mínimo")
    estado = Choice(vocab.STUDENT_STATUSES, title="Situación")
    provincia = Choice(places.province_name, title="Provincia")
    nominados = Flag(title="Incluye ya recomendados")
    pagina = PageNumber()
