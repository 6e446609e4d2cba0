"""The Seguimiento de egresados page and its files: what a coordinator and an admin see,
the knowledge rate beside every figure, and exports that carry the page's numbers."""
from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from portal.extensions import db
from tests import factories

COORDINATOR = "/coordinador/seguimiento-egresados"
ADMIN = "/admin/seguimiento-egresados"


def employed(count: int, rate: str, known: str) -> str:
    """A table's employed cell: the figure, its rate and the knowledge rate it stands on."""
    return f'{count} ({rate})<br><small class="muted">sobre el {known} con resultado conocido</small>'


def test_the_coordinator_sees_her_cohorts_with_the_knowledge_rate(client, auth, seguimiento_world):
    auth.login(factories.coordinator(seguimiento_world["arequipa"]))
    page = client.get(COORDINATOR)
    assert page.status_code == 200
    html = page.text
    assert "Seguimiento de egresados" in html and "CETPRO Arequipa" in html
    # 2024 Electricidad: 2 employed of 4 known, 4 of 5 graduates known.
    assert employed(2, "50%", "80%") in html
    # The headline figures name what they are built on: 5 known of 6 graduates.
    assert "40% empleados(as) o independientes — sobre 83.3% con resultado conocido" in html
    assert "CETPRO Cusco" not in html
    assert 'href="/coordinador/seguimiento-egresados.csv"' in html


def test_a_coordinator_never_sees_another_cetpro(client, auth, seguimiento_world):
    auth.login(factories.coordinator(seguimiento_world["cusco"]))
    html = client.get(COORDINATOR).text
    assert employed(1, "100%", "100%") in html and "80%" not in html
    for suffix in ("", ".csv", ".xlsx"):
        assert client.get(COORDINATOR + suffix, query_string={"cetpro": seguimiento_world["arequipa"].id}).status_code == 404


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_csv_and_xlsx_carry_one_row_per_cohort_and_programme(client, auth, seguimiento_world):
    auth.login(factories.coordinator(seguimiento_world["arequipa"]))
    rows = _csv_rows(client.get(COORDINATOR + ".csv"))
    header, *body = rows
    assert header[:6] == ["Ámbito", "Año de egreso", "Programa de estudios", "Egresados(as)",
                          "Con resultado conocido", "Tasa de conocimiento (%)"]
    by_year = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_year) == {"2025", "2024", "Total"}
    assert by_year["2024"]["Egresados(as)"] == "5" and by_year["2024"]["Tasa de conocimiento (%)"] == "80.0"
    assert by_year["2024"]["Empleados(as) o independientes (% de conocidos)"] == "50.0"
    assert by_year["2024"]["Mediana de días del egreso a la primera colocación"] == "10"
    assert by_year["2024"]["Empleo relacionado (% de familia conocida)"] == "50.0"
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(COORDINATOR + ".xlsx").data))
    sheet = workbook.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == header
    row2024 = dict(zip(header, next(r for r in values if r[1] == 2024), strict=True))
    assert row2024["Egresados(as)"] == 5 and row2024["Tasa de conocimiento (%)"] == pytest.approx(0.8)


def test_the_admin_filters_nationally_by_department_and_ugel(client, auth, seguimiento_world):
    auth.login(factories.admin())
    national = client.get(ADMIN).text
    assert "Todos los CETPRO del Perú" in national and "UGEL Cusco" in national
    by_ugel = _csv_rows(client.get(ADMIN + ".csv", query_string={"ugel": "UGEL Cusco"}))
    assert [r[1] for r in by_ugel[1:]] == ["2024", "Total"] and by_ugel[1][0] == "UGEL Cusco"
    by_department = client.get(ADMIN, query_string={"departamento": "08"}).text
    assert "CETPRO de" in by_department and employed(1, "100%", "100%") in by_department
    assert client.get(ADMIN, query_string={"cetpro": 999999}).status_code == 404


@pytest.mark.parametrize("url", [COORDINATOR, COORDINATOR + ".csv", ADMIN, ADMIN + ".xlsx"])
def test_students_and_employers_cannot_open_it(client, auth, seguimiento_world, url):
    auth.login(seguimiento_world["g"][1])
    assert client.get(url).status_code == 403


def test_a_cohort_with_no_known_outcome_shows_no_rate(client, auth, seguimiento_world):
    factories.student(seguimiento_world["arequipa"], seguimiento_world["electricidad"],
                      graduation_date=date(2023, 12, 1))
    db.session.commit()
    auth.login(factories.coordinator(seguimiento_world["arequipa"]))
    html = client.get(COORDINATOR).text
    row = html[html.index('<th scope="row">2023</th>'):]
    row = row[:row.index("</tr>")]
    assert '0<br><small class="muted">ningún resultado conocido</small>' in row
    assert "sobre el" not in row  # no "0 (— sobre 0% …)"
