"""Seguimiento de egresados' hand-computed world (tests/reports/conftest.py serves it as a fixture)."""
from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import FollowUp
from tests import factories


def _hire(student, opening, start):
    application = factories.application(opening, student, state="hired")
    return factories.placement(student, start, kind=opening.kind, company=opening.company,
                               application=application)


def seguimiento_world() -> dict:
    """CETPRO Arequipa, Electricidad 2024: five graduates (g1..g5); 2025: one (g6); one current
    student with a job (not counted). CETPRO Cusco: one graduate of 2024 with a job.

    2024: g1 hired through the portal in an Electricidad-family opening 10 days after graduating;
    g2 a job recorded by hand 60 days after, whose 3-month follow-up says she now studies;
    g3 recorded as looking for work; g4 nothing known; g5 hired through the portal in another
    family's opening a month before graduating (0 days).
    Knowledge 4/5; employed g1, g5 = 2 of 4 known; studying 1; looking 1; days {10, 60, 0} → median 10;
    related 1 of 2 portal jobs. 2025: g6 a pasantía 10 days after: práctica 1 of 1, median 10.
    """
    electricidad = factories.programme("Electricidad")
    textil = factories.programme("Confección textil")
    arequipa = factories.cetpro(name="CETPRO Arequipa", ugel="UGEL Arequipa Norte")
    cusco = factories.cetpro(name="CETPRO Cusco", department="08", province="0801", ugel="UGEL Cusco")
    graduated = date(2024, 3, 1)
    g = {n: factories.student(arequipa, electricidad, graduation_date=graduated) for n in range(1, 6)}
    g[6] = factories.student(arequipa, electricidad, graduation_date=date(2025, 6, 1))
    same_family = factories.opening(kind="empleo")
    other_family = factories.opening(kind="empleo", family_id=textil.family_id)
    _hire(g[1], same_family, date(2024, 3, 11))
    later = factories.placement(g[2], date(2024, 4, 30))
    db.session.add(FollowUp(placement_id=later.id, months=3, due_date=date(2024, 7, 30), answer="not_working",
                            outcome="estudios"))
    factories.placement(g[3], date(2024, 5, 1), employer="", job_title="", outcome="buscando")
    _hire(g[5], other_family, date(2024, 2, 1))
    factories.placement(g[6], date(2025, 6, 11), kind="pasantia")
    current = factories.student(arequipa, electricidad, status="estudiante")
    factories.placement(current, date(2024, 5, 1))
    other = factories.student(cusco, electricidad, graduation_date=graduated)
    factories.placement(other, date(2024, 4, 1))
    db.session.commit()
    return {"arequipa": arequipa, "cusco": cusco, "electricidad": electricidad, "g": g}


