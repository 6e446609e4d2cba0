"""Inserción laboral figures, aggregated in SQL (GROUP BY), never row by row.

Who is counted (the same rules feed the page, the charts and the exports):

- *Scope*: one CETPRO (a coordinator's own, or one an admin picked), the CETPROs of
  one department (where the CETPRO is), or every CETPRO. A student belongs to the
  CETPRO on their profile.
- *Graduates* are students whose status is egresado or titulado; a graduate is
  *placed* when they have at least one placement that is work (empleo dependiente,
  trabajo independiente or práctica, as recorded), of any kind, at any time. A record of
  studies, looking for work or no information is not a placement here (the seguimiento
  de egresados page, portal.reports.outcomes, counts those).
- The *graduation year* filter keeps graduates who graduated that year; the
  *programme* filter keeps students of that programme. Without a year filter the
  placement figures (kinds, departments, companies, follow-ups) and application
  outcomes count every student in scope, current students' prácticas included.
- *Days to first placement* run from the graduation date to the start of the
  graduate's earliest placement. A placement that started before graduation (an
  internship during studies, a job kept after it) counts as 0 days: the person was
  already working when they graduated, which is not a negative wait.
- *Still working* at 3/6/12 months: among answered follow-ups of that month, the
  share answering "still there" or "elsewhere". Follow-ups that are due and have no
  answer are reported apart (unanswered), never counted as "not working".
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, Select, String, case, cast, exists, extract, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from portal import clock, places, vocab
from portal.extensions import db
from portal.models import Application, Cetpro, Company, FollowUp, Placement, Programme, StudentProfile

GRADUATE_STATUSES = ("egresado", "titulado")
WORKING_ANSWERS = ("still_there", "elsewhere")
OUTCOMES = {
    "hired": "Seleccionados(as)",
    "rejected": "Descartados(as)",
    "withdrawn": "Retiradas",
    "open": "En proceso",
}
TOP_COMPANIES = 10
# A placement that is work (not a record of studies, looking or no information).
IS_WORK = Placement.outcome.in_(vocab.WORKING_OUTCOMES)
UNKNOWN_DEPARTMENT = "Sin departamento"


class days_between(FunctionElement):
    """Whole days from `earlier` to `later` (negative when `later` comes first).

    SQLite keeps dates as ISO text and counts days with julianday(); PostgreSQL
    subtracts dates into an integer. No portable SQL expression does both.
    """

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)")


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


# --- What to count ------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which students a report counts. `cetpro_id` wins over `department_code`."""

    cetpro_id: int | None = None
    department_code: str | None = None
    year: int | None = None
    programme_id: int | None = None

    def student_filters(self, graduates_only: bool = False) -> list[ColumnElement]:
        """WHERE clauses on StudentProfile for this scope and these filters."""
        clauses: list[ColumnElement] = []
        if self.cetpro_id is not None:
            clauses.append(StudentProfile.cetpro_id == self.cetpro_id)
        elif self.department_code:
            in_department = select(Cetpro.id).where(Cetpro.department_code == self.department_code)
            clauses.append(StudentProfile.cetpro_id.in_(in_department))
        if self.programme_id is not None:
            clauses.append(StudentProfile.programme_id == self.programme_id)
        if self.year is not None:
            # A date range, not EXTRACT(year): the same on both databases and index-friendly.
            clauses.append(StudentProfile.graduation_date.between(date(self.year, 1, 1), date(self.year, 12, 31)))
        if graduates_only or self.year is not None:
            clauses.append(StudentProfile.status.in_(GRADUATE_STATUSES))
        return clauses

    def restrict(self, query: Select, student_id) -> Select:
        """Keep the rows of `query` whose `student_id` column points at a student in scope.

        A national report without filters counts every row: no join at all, so
        PostgreSQL and SQLite can answer from an index instead of joining 60,000 students.
        """
        clauses = self.student_filters()
        if not clauses:
            return query
        return query.join(StudentProfile, StudentProfile.id == student_id).where(*clauses)

    def without_filters(self) -> Scope:
        return Scope(cetpro_id=self.cetpro_id, department_code=self.department_code)


# --- What comes out -----------------------------------------------------------------


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass
class RateRow:
    key: int
    label: str
    graduates: int = 0
    placed: int = 0

    @property
    def rate(self) -> float | None:
        return ratio(self.placed, self.graduates)


@dataclass
class Retention:
    months: int
    working: int = 0
    not_working: int = 0
    unanswered: int = 0

    @property
    def answered(self) -> int:
        return self.working + self.not_working

    @property
    def share(self) -> float | None:
        return ratio(self.working, self.answered)


@dataclass
class CountRow:
    key: str
    label: str
    count: int


@dataclass
class CompanyRow(CountRow):
    """An employer: `label` is the name people read (Company.display_name); exports add the
    razón social and RUC of a registered company (the RUC typed for one recorded by hand)."""

    legal_name: str | None = None
    ruc: str | None = None


@dataclass
class Report:
    scope: Scope
    by_programme: list[RateRow]
    by_year: list[RateRow]
    years: list[int]
    days_histogram: dict[int, int]
    retention: list[Retention]
    by_kind: list[CountRow]
    by_department: list[CountRow]
    top_companies: list[CompanyRow]
    outcomes: list[CountRow]
    generated_on: date = field(default_factory=clock.today)

    @property
    def graduates(self) -> int:
        return sum(row.graduates for row in self.by_programme)

    @property
    def placed(self) -> int:
        return sum(row.placed for row in self.by_programme)

    @property
    def rate(self) -> float | None:
        return ratio(self.placed, self.graduates)

    @property
    def median_days(self) -> float | None:
        return median_of_histogram(self.days_histogram)

    @property
    def day_ranges(self) -> list[CountRow]:
        return days_ranges(self.days_histogram)

    @property
    def days_counted(self) -> int:
        return sum(self.days_histogram.values())

    @property
    def placements(self) -> int:
        return sum(row.count for row in self.by_kind)

    @property
    def applications(self) -> int:
        return sum(row.count for row in self.outcomes)

    @property
    def is_empty(self) -> bool:
        return not self.graduates and not self.placements and not self.applications


def median_of_histogram(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}; the mean of the middle two when even."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = ((total - 1) // 2, total // 2)  # 0-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for position in middle:
            if seen <= position < seen + count:
                found.append(value)
        seen += count
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


# --- The queries --------------------------------------------------------------------


def compute(scope: Scope, today: date | None = None) -> Report:
    """Every figure of the report for `scope`, each from one grouped query."""
    today = today or clock.today()
    cells = cohorts(scope)
    by_programme, by_year = placement_rates(cells, scope)
    by_kind, by_department = placements_by_kind_and_department(scope)
    return Report(
        scope=scope,
        by_programme=by_programme,
        by_year=by_year,
        years=sorted({cell.year for cell in cells}, reverse=True),
        days_histogram=days_to_first_placement(scope),
        retention=retention(scope, today),
        by_kind=by_kind,
        by_department=by_department,
        top_companies=top_companies(scope),
        outcomes=application_outcomes(scope),
        generated_on=today,
    )


@dataclass(frozen=True)
class Cohort:
    """The graduates of one programme who graduated in one year, and how many were placed."""

    programme_id: int
    year: int
    graduates: int
    placed: int


def cohorts(scope: Scope) -> list[Cohort]:
    """Every (programme, graduation year) cell of the scope, the year and programme filters
    left out: a few hundred rows that give both rate tables and the years to choose from."""
    year = cast(extract("year", StudentProfile.graduation_date), Integer).label("year")
    placed = exists().where(Placement.student_id == StudentProfile.id, IS_WORK)
    rows = db.session.execute(
        select(year, StudentProfile.programme_id, func.count(), func.sum(case((placed, 1), else_=0)))
        .where(*scope.without_filters().student_filters(graduates_only=True),
               StudentProfile.graduation_date.is_not(None))
        # Year first: grouping by programme_id first makes SQLite walk the programme index
        # and fetch every row out of order, three times slower than scanning the table.
        .group_by(year, StudentProfile.programme_id)
    )
    return [Cohort(programme_id, int(graduation_year), graduates, int(placed_count or 0))
            for graduation_year, programme_id, graduates, placed_count in rows]


def placement_rates(cells: list[Cohort], scope: Scope) -> tuple[list[RateRow], list[RateRow]]:
    """Placement rate by programme and by graduation year, with the scope's filters applied."""
    names = dict(db.session.execute(
        select(Programme.id, Programme.name).where(Programme.id.in_({c.programme_id for c in cells}))
    ).all()) if cells else {}
    programmes: dict[int, RateRow] = {}
    years: dict[int, RateRow] = {}
    for cell in cells:
        if scope.year is not None and cell.year != scope.year:
            continue
        if scope.programme_id is not None and cell.programme_id != scope.programme_id:
            continue
        for bucket, key, label in ((programmes, cell.programme_id, names.get(cell.programme_id, "")),
                                   (years, cell.year, str(cell.year))):
            row = bucket.setdefault(key, RateRow(key=key, label=label))
            row.graduates += cell.graduates
            row.placed += cell.placed
    return (sorted(programmes.values(), key=lambda r: r.label),
            sorted(years.values(), key=lambda r: r.key))


def days_to_first_placement(scope: Scope) -> dict[int, int]:
    """{days from graduation to first placement: graduates}, negatives folded into 0."""
    per_graduate = (
        select(days_between(func.min(Placement.start_date), StudentProfile.graduation_date).label("days"))
        .join(Placement, Placement.student_id == StudentProfile.id)
        .where(*scope.student_filters(graduates_only=True), StudentProfile.graduation_date.is_not(None), IS_WORK)
        .group_by(StudentProfile.id, StudentProfile.graduation_date)
        .subquery()
    )
    histogram: Counter[int] = Counter()
    for days, count in db.session.execute(
        select(per_graduate.c.days, func.count()).group_by(per_graduate.c.days)
    ):
        histogram[max(int(days), 0)] += count
    return dict(histogram)


def retention(scope: Scope, today: date) -> list[Retention]:
    """Answers to the 3, 6 and 12-month follow-ups of the scope's placements."""
    rows = db.session.execute(
        scope.restrict(
            select(FollowUp.months, FollowUp.answer, func.count())
            .join(Placement, Placement.id == FollowUp.placement_id),
            Placement.student_id,
        )
        .where(IS_WORK, or_(FollowUp.answer.is_not(None), FollowUp.due_date <= today))
        .group_by(FollowUp.months, FollowUp.answer)
    )
    result = {months: Retention(months=months) for months in vocab.FOLLOW_UP_MONTHS}
    for months, answer, count in rows:
        item = result.get(months)
        if item is None:
            continue
        if answer is None:
            item.unanswered += count
        elif answer in WORKING_ANSWERS:
            item.working += count
        else:
            item.not_working += count
    return list(result.values())


def placements_by_kind_and_department(scope: Scope) -> tuple[list[CountRow], list[CountRow]]:
    """Placements by kind, and by the department where the work is (not where the CETPRO is).

    One query grouped by both (a few dozen rows), folded here into the two lists.
    """
    kinds: Counter[str] = Counter()
    departments: Counter[str] = Counter()
    for kind, department, count in db.session.execute(
        scope.restrict(select(Placement.kind, Placement.department_code, func.count()), Placement.student_id)
        .where(IS_WORK)
        .group_by(Placement.kind, Placement.department_code)
    ):
        kinds[kind] += count
        departments[department or ""] += count
    by_kind = [CountRow(kind, vocab.OPENING_KINDS.get(kind, kind), count) for kind, count in kinds.items()]
    by_department = [CountRow(code, (places.label(code) or code) if code else UNKNOWN_DEPARTMENT, count)
                     for code, count in departments.items()]
    return _by_count(by_kind), _by_count(by_department)


def _by_count(rows: list[CountRow]) -> list[CountRow]:
    return sorted(rows, key=lambda r: (-r.count, r.label))


def top_companies(scope: Scope, limit: int = TOP_COMPANIES) -> list[CompanyRow]:
    """Employers with the most placements: a registered company by identity, one
    recorded by hand (no company on the portal) by its name, case and spaces aside."""
    key = case(
        (Placement.company_id.is_not(None), literal("c") + cast(Placement.company_id, String)),
        else_=literal("n") + func.lower(func.trim(Placement.employer_name)),
    ).label("employer_key")
    placements = func.count().label("placements")
    rows = db.session.execute(
        scope.restrict(
            select(key, func.max(Company.display_name), func.min(Placement.employer_name),
                   func.max(Company.legal_name), func.coalesce(func.max(Company.ruc), func.min(Placement.employer_ruc)),
                   placements)
            .outerjoin(Company, Company.id == Placement.company_id),
            Placement.student_id,
        )
        .where(IS_WORK)
        .group_by(key)
        .order_by(placements.desc(), func.min(Placement.employer_name))
        .limit(limit)
    ).all()
    return [CompanyRow(employer_key, company_name or employer_name, count, legal_name, ruc)
            for employer_key, company_name, employer_name, legal_name, ruc, count in rows]


def application_outcomes(scope: Scope) -> list[CountRow]:
    """Applications of the scope's students by outcome: hired, rejected, withdrawn or still open."""
    # Grouped by the stored state (a handful of rows, answerable from an index) and folded here.
    counts: Counter[str] = Counter()
    for state, count in db.session.execute(
        scope.restrict(select(Application.state, func.count()), Application.student_id)
        .group_by(Application.state)
    ):
        counts[state if state in OUTCOMES else "open"] += count
    return [CountRow(code, label, counts[code]) for code, label in OUTCOMES.items()]


# Ranges for the table of days to first placement; the last one is open-ended.
DAY_RANGES = ((0, 0, "Antes de egresar o el mismo día"), (1, 30, "De 1 a 30 días"),
              (31, 90, "De 31 a 90 días"), (91, 180, "De 91 a 180 días"),
              (181, 365, "De 181 a 365 días"), (366, None, "Más de un año"))


def days_ranges(histogram: dict[int, int]) -> list[CountRow]:
    """The histogram of days to first placement folded into DAY_RANGES."""
    rows = []
    for low, high, label in DAY_RANGES:
        count = sum(n for days, n in histogram.items() if days >= low and (high is None or days <= high))
        rows.append(CountRow(f"{low}-{high if high is not None else ''}", label, count))
    return rows


# --- Filter choices -----------------------------------------------------------------


def programme_choices(scope: Scope) -> list[tuple[int, str]]:
    """A CETPRO's programmes (those it has students in); every programme for wider reports."""
    query = select(Programme.id, Programme.name).order_by(Programme.name)
    if scope.cetpro_id is not None:
        taught = select(StudentProfile.programme_id).where(StudentProfile.cetpro_id == scope.cetpro_id)
        query = query.where(Programme.id.in_(taught))
    return [(pid, name) for pid, name in db.session.execute(query)]
