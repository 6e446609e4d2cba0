"""Dates in one format each (portal/formatting.py): "2 dic. 2026", "2 dic. 2026, 13:50",
"hace 3 días", on pages and in the messages services build."""
from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from portal import clock, formatting
from tests import factories

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def test_a_date_a_date_and_time_and_how_long_ago():
    assert formatting.day(date(2026, 12, 2)) == "2 dic. 2026"
    assert formatting.day(date(2025, 9, 1)) == "1 set. 2025"
    # Stored instants are naive UTC: 01:50 UTC on the 3rd is 20:50 on the 2nd in Lima.
    assert formatting.day(datetime(2026, 12, 3, 1, 50)) == "2 dic. 2026"
    assert formatting.moment(datetime(2026, 12, 2, 18, 50)) == "2 dic. 2026, 13:50"
    assert formatting.moment(datetime(2026, 12, 2, 13, 50, tzinfo=clock.LIMA)) == "2 dic. 2026, 13:50"
    now = datetime(2026, 12, 5, 18, 50, tzinfo=UTC)
    stored = datetime(2026, 12, 2, 18, 50)
    assert formatting.ago(stored, now) == "hace 3 días"
    assert formatting.ago(now.replace(tzinfo=None) - timedelta(minutes=5), now) == "hace 5 minutos"
    assert formatting.ago(now.replace(tzinfo=None) - timedelta(seconds=20), now) == "hace un momento"
    assert formatting.ago(now.replace(tzinfo=None) + timedelta(seconds=20), now) == "hace un momento"
    assert formatting.ago(stored - timedelta(days=5), now) == "27 nov. 2026"  # a week or more: the date
    assert formatting.day(None) == formatting.moment(None) == formatting.ago(None) == ""


ISO = re.compile(r"%Y-%m-%d([ T]%H:%M(:%S)?)?")


def _patterns(tree: ast.AST):
    """Every date pattern a module writes: strftime("…") arguments and f"{x:…}" specs."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "strftime":
            yield node.lineno, ast.unparse(node.args[0]).strip("'\"") if node.args else ""
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            if "%" in spec:
                yield node.lineno, spec


def test_no_module_formats_a_date_for_people_by_hand():
    """Messages built in Python (refusals, notifications, emails) call portal.formatting;
    only spreadsheets write other machine formats (DD/MM/YYYY cells). ISO dates (file
    names) are for machines and stay."""
    offenders = [f"{path.relative_to(PORTAL)}:{line} {pattern}"
                 for path in PORTAL.rglob("*.py")
                 if path.name not in ("formatting.py", "spreadsheets.py") and "seed" not in path.parts
                 for line, pattern in _patterns(ast.parse(path.read_text())) if not ISO.fullmatch(pattern)]
    assert offenders == []


def test_the_applications_page_says_each_date_one_way(client, auth, frozen_clock):
    """It said "2/12/26, 1:50 p. m." beside "2 dic. 2026"."""
    frozen_clock(datetime(2026, 12, 2, 13, 50))
    student = factories.student()
    factories.application(factories.opening(factories.company(verified=True)), student)
    frozen_clock(datetime(2026, 12, 5, 13, 50))
    auth.login(student)
    html = client.get("/estudiante/postulaciones").get_data(as_text=True)
    assert re.search(r'Último cambio: <time datetime="2026-12-02T18:50:00Z" title="2 dic. 2026, 13:50">'
                     r'hace 3 días</time> · Postulaste el 2 dic. 2026', html), html
    assert "p.\u202fm." not in html and "2/12/26" not in html


def test_the_legal_minimum_and_its_refusal_give_the_rmv_date_the_same_way(client, auth):
    """"vigente desde el 01/01/2025" in the refusal sat above "1 ene. 2025" in the hint."""
    auth.login(factories.employer(factories.company(verified=True)))
    programme = factories.programme()
    start = (clock.today() + timedelta(days=30)).isoformat()
    response = client.post("/empresa/ofertas/nueva", data={
        "title": "Practicante electricista", "description": "Instalaciones domiciliarias.",
        "kind": "practicas_preprofesionales", "family_id": str(programme.family_id), "work_mode": "presencial",
        "hours_per_day": "6", "hours_per_week": "30", "pay_monthly": "", "vacancies": "1", "start_date": start,
        "deadline": (clock.today() + timedelta(days=15)).isoformat(), "targets_all_cetpros": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "una RMV de S/\xa01,130.00 (vigente desde el 1 ene. 2025) por 30 horas" in html  # the refusal
    assert "RMV de S/\xa01,130.00 vigente desde el 1 ene. 2025; Ley 28518" in html  # the hint under the pay
    assert "01/01/2025" not in html
