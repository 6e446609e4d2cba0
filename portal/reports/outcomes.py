"""Seguimiento de egresados: what each cohort of graduates does now, and how much of the
cohort the CETPRO knows about. Aggregated in SQL (one grouped query per table), never a
Python loop over students.

Who is counted:

- *Graduates*: students whose status is egresado or titulado, in the scope (one CETPRO,
  the CETPROs of a department or of a UGEL, or all), optionally of one programme.
- *Cohort*: the graduation year. Every graduate has a graduation date (a database
  constraint: student_profiles.graduate_has_date), so no other date is ever needed.
- *Current outcome* of a graduate: her latest placement (by start date, then id), in
  the category of its latest answered follow-up, else the category it was recorded with
  (Placement.current_outcome, here in SQL). No placement at all is "sin información".
- *Outcome known* (the knowledge rate): the share whose current outcome is not "sin
  información". Every other rate is printed beside the share it is built on.
- *Employed*: empleo dependiente or trabajo independiente; práctica, estudios and
  buscando empleo are their own columns.
- *Days to first placement*: from graduation to the start of her earliest placement that
  is work (as in the inserción report), before graduation counted as 0.
- *By sex*: the optional "sexo" field of the profile (blank: "Sin indicar"), for the
  breakdown DREs report; only this page reads it (never employers, never matching).
- *Related job*: among graduates with a work placement made through the portal (only
  those name an opening, hence a family), the share with one whose opening's family is
  her programme's family. Placements recorded by hand name no family and are left out of
  both sides; the count it is built on is reported beside it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, case, cast, exists, extract, func, literal, select
from sqlalchemy.orm import aliased

from portal import clock, vocab
from portal.extensions import db
from portal.models import Application, Cetpro, FollowUp, Opening, Placement, Programme, StudentProfile
from portal.reports.figures import GRADUATE_STATUSES, days_between, median_of_histogram, ratio

EMPLOYED = ("empleo_dependiente", "independiente")
UNKNOWN = "sin_informacion"


@dataclass(frozen=True)
class OutcomeScope:
    """Which graduates: `cetpro_id` wins over `ugel`, which wins over `department_code`."""

    cetpro_id: int | None = None
    department_code: str | None = None
    ugel: str | None = None
    year: int | None = None
    programme_id: int | None = None

    def clauses(self) -> list:
        found = [StudentProfile.status.in_(GRADUATE_STATUSES)]
        if self.cetpro_id is not None:
            found.append(StudentProfile.cetpro_id == self.cetpro_id)
        else:
            cetpros = []
            if self.department_code:
                cetpros.append(Cetpro.department_code == self.department_code)
            if self.ugel:
                cetpros.append(Cetpro.ugel == self.ugel)
            if cetpros:
                found.append(StudentProfile.cetpro_id.in_(select(Cetpro.id).where(*cetpros)))
        if self.programme_id is not None:
            found.append(StudentProfile.programme_id == self.programme_id)
        if self.year is not None:
            found.append(StudentProfile.graduation_date.between(date(self.year, 1, 1), date(self.year, 12, 31)))
        return found


@dataclass
class CohortRow:
    """One cohort (graduation year) of one programme."""

    year: int
    programme_id: int
    programme: str
    graduates: int = 0
    known: int = 0
    employed: int = 0
    practica: int = 0
    studying: int = 0
    looking: int = 0
    family_known: int = 0
    related: int = 0
    days: dict[int, int] = field(default_factory=dict)

    def add(self, other: CohortRow) -> None:
        for name in ("graduates", "known", "employed", "practica", "studying", "looking", "family_known", "related"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for days, count in other.days.items():
            self.days[days] = self.days.get(days, 0) + count

    @property
    def unknown(self) -> int:
        return self.graduates - self.known

    @property
    def knowledge_rate(self) -> float | None:
        return ratio(self.known, self.graduates)

    # Each rate among those whose outcome is known (the knowledge rate says how many that is).
    @property
    def employed_rate(self) -> float | None:
        return ratio(self.employed, self.known)

    @property
    def practica_rate(self) -> float | None:
        return ratio(self.practica, self.known)

    @property
    def studying_rate(self) -> float | None:
        return ratio(self.studying, self.known)

    @property
    def looking_rate(self) -> float | None:
        return ratio(self.looking, self.known)

    @property
    def related_rate(self) -> float | None:
        return ratio(self.related, self.family_known)

    @property
    def placed_with_days(self) -> int:
        return sum(self.days.values())

    @property
    def median_days(self) -> float | None:
        return median_of_histogram(self.days)


@dataclass
class SexRow:
    """The graduates of one value of the optional "sexo" field ("" when not given)."""

    key: str
    label: str
    graduates: int
    known: int
    employed: int

    @property
    def knowledge_rate(self) -> float | None:
        return ratio(self.known, self.graduates)

    @property
    def employed_rate(self) -> float | None:
        return ratio(self.employed, self.known)


@dataclass
class Seguimiento:
    scope: OutcomeScope
    rows: list[CohortRow]
    generated_on: date = field(default_factory=clock.today)
    by_sex: list[SexRow] = field(default_factory=list)

    @property
    def total(self) -> CohortRow:
        total = CohortRow(year=0, programme_id=0, programme="Total")
        for row in self.rows:
            total.add(row)
        return total

    @property
    def by_year(self) -> list[CohortRow]:
        years: dict[int, CohortRow] = {}
        for row in self.rows:
            years.setdefault(row.year, CohortRow(year=row.year, programme_id=0, programme="Todos")).add(row)
        return [years[y] for y in sorted(years, reverse=True)]


def current_outcome():
    """The graduate's current outcome category, as a correlated SQL expression on StudentProfile."""
    latest = aliased(Placement)
    answered = aliased(FollowUp)
    follow_up_outcome = (select(answered.outcome)
                         .where(answered.placement_id == latest.id, answered.outcome.is_not(None))
                         .order_by(answered.months.desc()).limit(1)
                         .correlate(latest).scalar_subquery())
    newest = (select(func.coalesce(follow_up_outcome, latest.outcome))
              .where(latest.student_id == StudentProfile.id)
              .order_by(latest.start_date.desc(), latest.id.desc()).limit(1)
              .correlate(StudentProfile).scalar_subquery())
    return func.coalesce(newest, literal(UNKNOWN))


def _per_graduate(scope: OutcomeScope):
    """One row per graduate in scope: cohort, programme, outcome, days, related flags."""
    work = aliased(Placement)
    first_work = (select(func.min(work.start_date))
                  .where(work.student_id == StudentProfile.id, work.outcome.in_(vocab.WORKING_OUTCOMES))
                  .correlate(StudentProfile).scalar_subquery())
    portal_work = aliased(Placement)
    through_portal = (select(portal_work.id)
                      .join(Application, Application.id == portal_work.application_id)
                      .join(Opening, Opening.id == Application.opening_id)
                      .where(portal_work.student_id == StudentProfile.id,
                             portal_work.outcome.in_(vocab.WORKING_OUTCOMES)))
    related = through_portal.where(Opening.family_id == Programme.family_id)
    return (
        select(
            cast(extract("year", StudentProfile.graduation_date), Integer).label("year"),
            StudentProfile.programme_id.label("programme_id"),
            func.coalesce(StudentProfile.sex, "").label("sex"),
            current_outcome().label("outcome"),
            days_between(first_work, StudentProfile.graduation_date).label("days"),
            case((exists(through_portal.correlate(StudentProfile)), 1), else_=0).label("family_known"),
            case((exists(related.correlate(StudentProfile, Programme)), 1), else_=0).label("related"),
        )
        .join(Programme, Programme.id == StudentProfile.programme_id)
        .where(*scope.clauses())
        .subquery()
    )


def compute(scope: OutcomeScope, today: date | None = None) -> Seguimiento:
    """The seguimiento table for `scope`: one row per (cohort, programme), from two grouped queries."""
    graduate = _per_graduate(scope)

    def count_of(*codes: str):
        return func.sum(case((graduate.c.outcome.in_(codes), 1), else_=0))

    cells: dict[tuple[int, int], CohortRow] = {}
    for year, programme_id, name, graduates, known, employed, practica, studying, looking, family_known, related in (
        db.session.execute(
            select(graduate.c.year, graduate.c.programme_id, Programme.name, func.count(),
                   func.sum(case((graduate.c.outcome != UNKNOWN, 1), else_=0)),
                   count_of(*EMPLOYED), count_of("practica"), count_of("estudios"), count_of("buscando"),
                   func.sum(graduate.c.family_known), func.sum(graduate.c.related))
            .join(Programme, Programme.id == graduate.c.programme_id)
            .group_by(graduate.c.year, graduate.c.programme_id, Programme.name)
        )
    ):
        cells[(int(year), programme_id)] = CohortRow(
            int(year), programme_id, name, graduates, int(known or 0), int(employed or 0), int(practica or 0),
            int(studying or 0), int(looking or 0), int(family_known or 0), int(related or 0))
    histogram: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for year, programme_id, days, count in db.session.execute(
        select(graduate.c.year, graduate.c.programme_id, graduate.c.days, func.count())
        .where(graduate.c.days.is_not(None))
        .group_by(graduate.c.year, graduate.c.programme_id, graduate.c.days)
    ):
        bucket = histogram[(int(year), programme_id)]
        bucket[max(int(days), 0)] = bucket.get(max(int(days), 0), 0) + count
    for key, days in histogram.items():
        if key in cells:
            cells[key].days = days
    rows = sorted(cells.values(), key=lambda r: (-r.year, r.programme))
    labels = {**vocab.SEXES, "": "Sin indicar"}
    by_sex = [SexRow(key, labels.get(key, key), graduates, int(known or 0), int(employed or 0))
              for key, graduates, known, employed in db.session.execute(
                  select(graduate.c.sex, func.count(), func.sum(case((graduate.c.outcome != UNKNOWN, 1), else_=0)),
                         count_of(*EMPLOYED))
                  .group_by(graduate.c.sex).order_by(graduate.c.sex))]
    return Seguimiento(scope=scope, rows=rows, generated_on=today or clock.today(), by_sex=by_sex)


def ugels(department: str | None = None) -> list[str]:
    """The UGELs named by active CETPROs (of a department), for the admin's filter."""
    query = select(Cetpro.ugel).where(Cetpro.ugel != "", Cetpro.active.is_(True)).distinct().order_by(Cetpro.ugel)
    if department:
        query = query.where(Cetpro.department_code == department)
    return [name for (name,) in db.session.execute(query)]


