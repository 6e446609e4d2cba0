"""The report's filters: query-string values checked and turned into a Scope, with
the Spanish words that say what the report covers (heading, exports, file names)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal import clock, places
from portal.extensions import db
from portal.models import Cetpro, StudentProfile
from portal.paging import Choice, Number, QueryFilters
from portal.reports.figures import Scope, programme_choices

FIRST_YEAR, LAST_YEAR = 1970, 2100


class ReportFilters(QueryFilters):
    """The report's query string. Only an admin's report reads the place (departamento, cetpro);
    whether the CETPRO and the programme may be asked for is checked against the database below."""

    departamento = Choice(places.department_name, title="Departamento")
    cetpro = Number(title="CETPRO")
    anio = Number(FIRST_YEAR, LAST_YEAR, title="Año de egreso")
    programa = Number(title="Programa")


def requested_cetpro(args: MultiDict) -> int | None:
    return ReportFilters.from_args(args).cetpro


@dataclass(frozen=True)
class Selection:
    """What a report covers: the scope plus what people read about it."""

    scope: Scope
    cetpro: Cetpro | None
    programmes: list[tuple[int, str]]
    admin: bool = False

    @property
    def programme_name(self) -> str | None:
        return dict(self.programmes).get(self.scope.programme_id)

    @property
    def department_name(self) -> str | None:
        code = self.scope.department_code
        return places.label(code) if code else None

    @property
    def place(self) -> str:
        if self.cetpro is not None:
            return self.cetpro.name
        if self.department_name:
            return f"CETPRO de {self.department_name}"
        return "Todos los CETPRO del Perú"

    @property
    def cohort(self) -> str:
        """Which graduates, in words: "Egresados(as) de 2024 · Electricidad"."""
        year = f"Egresados(as) de {self.scope.year}" if self.scope.year else "Todos los años de egreso"
        return f"{year} · {self.programme_name or 'Todos los programas'}"

    @property
    def filters(self) -> ReportFilters:
        """The selection as its query string; the place only in an admin's report."""
        return ReportFilters(departamento=self.scope.department_code if self.admin else None,
                             cetpro=self.cetpro.id if self.admin and self.cetpro else None,
                             anio=self.scope.year, programa=self.scope.programme_id)

    def place_args(self) -> dict[str, Any]:
        """The query string that picks the place (admins only): the report without filters."""
        return self.filters.args(anio=None, programa=None)

    def args(self) -> dict[str, Any]:
        """The query string of this selection, without empty values (shareable URLs)."""
        return self.filters.args()

    def filename(self, extension: str, today: date | None = None) -> str:
        if self.cetpro is not None:
            place = self.cetpro.codigo_modular
        elif self.scope.department_code:
            place = f"departamento-{self.scope.department_code}"
        else:
            place = "peru"
        parts = ["insercion-laboral", place]
        if self.scope.year:
            parts.append(str(self.scope.year))
        if self.scope.programme_id:
            parts.append(f"programa-{self.scope.programme_id}")
        parts.append((today or clock.today()).isoformat())
        return "-".join(parts) + "." + extension


def _year_and_programme(filters: ReportFilters, base: Scope) -> tuple[int | None, int | None, list[tuple[int, str]]]:
    """The year and programme asked for, if valid, and the programmes one may ask for."""
    programmes = programme_choices(base)
    programme_id = filters.programa if filters.programa in dict(programmes) else None
    return filters.anio, programme_id, programmes


def for_coordinator(cetpro: Cetpro, args: MultiDict) -> Selection:
    """A coordinator's report is always its own CETPRO's; other places are not asked for."""
    base = Scope(cetpro_id=cetpro.id)
    year, programme_id, programmes = _year_and_programme(ReportFilters.from_args(args), base)
    return Selection(Scope(cetpro_id=cetpro.id, year=year, programme_id=programme_id), cetpro, programmes)


def for_admin(args: MultiDict) -> Selection | None:
    """An admin's report: every CETPRO, one department's, or one CETPRO's.

    None when the requested CETPRO does not exist. A CETPRO outside the chosen
    department is dropped: the department was just changed and wins.
    """
    filters = ReportFilters.from_args(args)
    department = filters.departamento
    cetpro = None
    if filters.cetpro is not None:
        cetpro = db.session.get(Cetpro, filters.cetpro)
        if cetpro is None:
            return None
        if department and cetpro.department_code != department:
            cetpro = None
        else:
            department = cetpro.department_code
    # Every programme, whatever the place: the admin's form does not change with it.
    year, programme_id, programmes = _year_and_programme(filters, Scope())
    scope = Scope(cetpro_id=cetpro.id if cetpro else None, department_code=department,
                  year=year, programme_id=programme_id)
    return Selection(scope, cetpro, programmes, admin=True)


def graduation_years(today: date | None = None) -> list[int]:
    """Every year from the platform's earliest graduation to this one (or its latest), newest first."""
    first, last = db.session.execute(
        select(func.min(StudentProfile.graduation_date), func.max(StudentProfile.graduation_date))
    ).one()
    this_year = (today or clock.today()).year
    newest = max(last.year, this_year) if last else this_year
    oldest = min(first.year, this_year) if first else this_year
    return list(range(newest, oldest - 1, -1))


def cetpros_in(department: str | None) -> list[tuple[int, str]]:
    """The active CETPROs of a department, for the admin's CETPRO select (none without a department).
    A deactivated one leaves the select; a report already scoped to it still shows it."""
    if not department:
        return []
    return [(cid, name) for cid, name in db.session.execute(
        select(Cetpro.id, Cetpro.name).where(Cetpro.department_code == department, Cetpro.active.is_(True))
        .order_by(Cetpro.name)
    )]
