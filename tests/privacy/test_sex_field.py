"""The optional "sexo" field: the student sets it, the seguimiento breakdown counts it, an
employer never receives it and the matching engine never reads it."""
from __future__ import annotations

import dataclasses
import re

from sqlalchemy import event

from portal import clock
from portal.extensions import db
from portal.matching import engine, queries
from portal.reports import outcomes
from tests import factories

SEX_COLUMN = re.compile(r"\bsex\b", re.IGNORECASE)


def _scene():
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company)
    student = factories.student(sex="femenino", modules=2)
    application = factories.application(opening, student)
    return employer, opening, student, application


def test_employer_responses_never_carry_the_field(client, auth, app):
    employer, opening, student, application = _scene()
    auth.login(employer)
    for url in (f"/empresa/postulaciones/{application.id}", f"/empresa/ofertas/{opening.id}/postulantes",
                f"/empresa/ofertas/{opening.id}/recomendados"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert student.last_names in text or url.endswith("recomendados")
        assert "Femenino" not in text and "femenino" not in text and "Sexo" not in text, url


def test_the_matching_engine_never_reads_it(app):
    _employer, opening, _student, _application = _scene()
    student = factories.student(sex="masculino", modules=2)  # has not applied: a candidate
    assert "sex" not in {f.name for f in dataclasses.fields(engine.CandidateFacts)}
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        facts = queries.opening_facts(queries.load_opening(opening.id))
        ranked = queries.ranked_for_opening(facts, clock.today())
        queries.best_for_opening(facts, 5, clock.today())
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert student.student.id in {m.candidate_id for m in ranked}  # she is a candidate
    matching_sql = [s for s in statements if "student_profiles" in s]
    assert matching_sql and not any(SEX_COLUMN.search(s) for s in matching_sql)


def test_the_student_sets_it_and_the_seguimiento_counts_it(client, auth, app):
    cetpro = factories.cetpro()
    student = factories.student(cetpro)
    factories.student(cetpro, sex="masculino")
    auth.login(student)
    page = client.get("/estudiante/perfil")
    assert "Sexo (opcional)" in page.get_data(as_text=True)
    result = outcomes.compute(outcomes.OutcomeScope(cetpro_id=cetpro.id))
    assert {row.key: row.graduates for row in result.by_sex} == {"masculino": 1, "": 1}
