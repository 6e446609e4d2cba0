"""Candidate and opening queries for the matching engine: filter in SQL, score only candidates.

The SQL here is a slightly generous superset of the engine's hard filters (the
12-month window is widened by a day so month-end arithmetic never drops someone
the engine would keep); the engine then applies the exact rule.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from portal import places
from portal.applications.eligibility import add_months
from portal.extensions import db
from portal.matching.engine import CandidateFacts, Match, OpeningFacts, Requirement, rank
from portal.models import (
    Application,
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


def candidates(opening: Opening, today: date, **filters) -> list[CandidateFacts]:
    query = candidate_select(opening, today, **filters)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    ids = query.with_only_columns(StudentProfile.id).scalar_subquery()
    modules: dict[int, set[int]] = {}
    for student_id, module_id in db.session.execute(
        select(student_modules.c.student_id, student_modules.c.module_id).where(student_modules.c.student_id.in_(ids))
    ):
        modules.setdefault(student_id, set()).add(module_id)
    skills: dict[int, set[str]] = {}
    if any(r.skill_normalized for r in opening.requirements):
        for student_id, skill in db.session.execute(
            select(StudentSkill.student_id, StudentSkill.normalized).where(StudentSkill.student_id.in_(ids))
        ):
            skills.setdefault(student_id, set()).add(skill)
    return [
        CandidateFacts(
            id=row[0], programme_id=row[1], family_id=row[2], programme_name=row[3], level=row[4],
            status=row[5], graduation_date=row[6], department_code=row[7], province_code=row[8],
            module_ids=frozenset(modules.get(row[0], ())), skills=frozenset(skills.get(row[0], ())),
            place_name=places.name(row[8] or "") or places.name(row[7] or "") or "",
        )
        for row in rows
    ]


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


def openings_for_student(profile: StudentProfile, today: date | None = None, limit: int = 30
                         ) -> list[tuple[Opening, Match]]:
    """Published openings this student may take, ranked for them (near misses included)."""
    today = today or date.today()
    family_id = profile.programme.family_id
    accepts_programme = select(opening_programmes.c.opening_id).where(
        opening_programmes.c.programme_id == profile.programme_id)
    targets_cetpro = select(opening_cetpros.c.opening_id).where(opening_cetpros.c.cetpro_id == profile.cetpro_id)
    query = (
        select(Opening)
        .where(
            Opening.state == "published",
            or_(Opening.deadline.is_(None), Opening.deadline >= today),
            or_(Opening.family_id == family_id, Opening.id.in_(accepts_programme)),
            or_(Opening.targets_all_cetpros.is_(True), Opening.id.in_(targets_cetpro)),
            ~exists().where(Application.opening_id == Opening.id, Application.student_id == profile.id),
        )
        .options(selectinload(Opening.requirements).joinedload(OpeningRequirement.module),
                 selectinload(Opening.programmes), selectinload(Opening.company))
    )
    if profile.status == "estudiante":
        query = query.where(Opening.kind != "practicas_profesionales")
    else:
        query = query.where(Opening.kind != "practicas_preprofesionales")
    openings = list(db.session.scalars(query))
    candidate = CandidateFacts(
        id=profile.id, programme_id=profile.programme_id, family_id=family_id,
        programme_name=profile.programme.name, level=profile.level, status=profile.status,
        graduation_date=profile.graduation_date, department_code=profile.department_code,
        province_code=profile.province_code, module_ids=frozenset(m.id for m in profile.modules),
        skills=frozenset(s.normalized for s in profile.skills),
        open_to_offers=True,  # a student asking for recommendations wants them
        place_name=places.name(profile.province_code or "") or places.name(profile.department_code or "") or "",
    )
    ranked = []
    for opening in openings:
        facts = opening_facts(opening)
        matches = rank(facts, [candidate], today)
        if matches:
            ranked.append((opening, matches[0]))
    ranked.sort(key=lambda pair: (-pair[1].score, -pair[1].required_met, pair[0].deadline or date.max, pair[0].id))
    return ranked[:limit]
