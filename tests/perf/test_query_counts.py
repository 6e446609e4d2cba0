"""No N+1: each main endpoint runs a fixed number of SQL statements, whatever it shows.

Every endpoint is requested in a small world (SMALL rows of each kind) and in a world
with several times more (LARGE); a count that grows with the rows shown fails.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event

from portal.extensions import db
from portal.models import Nomination
from tests import factories
from tests.helpers.web import HTMX, empty_tables

# SMALL stays under every page's own limit (10 openings on the coordinator dashboard).
SMALL, LARGE = 2, 40

# Endpoints known to grow, with why; the test fails when one stops growing, so the entry
# is removed with the fix and the check becomes strict for it too.
KNOWN_GROWTH: dict[str, str] = {}


@dataclass
class World:
    student: object
    employer: object
    coordinator: object
    listing: list          # openings a search finds, none applied to by the student
    pipeline: object       # an opening with n applicants
    candidates: object     # an opening with n candidates in the coordinator's CETPRO
    detail: object         # an opening with n required modules (as many as exist)
    to_apply: object       # an opening the student has not applied to yet


def build(n: int) -> World:
    cetpro = factories.cetpro()
    company = factories.company()
    employer = factories.employer(company)
    coordinator = factories.coordinator(cetpro)
    student = factories.student(cetpro)
    pipeline = factories.opening(company, title="Técnico de tableros")
    candidates = factories.opening(company, title="Electricista de mantenimiento")
    detail = factories.opening(company, title="Electricista industrial", required_modules=n)
    to_apply = factories.opening(company, title="Electricista residencial")
    for _ in range(n):
        applicant = factories.student(cetpro)
        factories.application(pipeline, applicant)
        # Nominated too: the employer's Recomendados lists every nominee first.
        db.session.add(Nomination(opening_id=pipeline.id, student_id=applicant.student.id, cetpro_id=cetpro.id,
                                  note="Puntual"))
        # The student's own applications (their dashboard lists them).
        factories.application(factories.opening(company, title="Ayudante de electricista"), student)
    # Published last (the dashboards show the newest first), each by its own company: a
    # card that loads its company alone shows up as growth.
    listing = [factories.opening(factories.company(), title=f"Electricista de obra {i}") for i in range(n)]
    return World(student, employer, coordinator, listing, pipeline, candidates, detail, to_apply)


def endpoints(world: World) -> dict[str, tuple[str, str, str, dict]]:
    """name → (who, method, url, headers)."""
    family = factories.programme().family_id
    search = f"/ofertas?q=electricista&familia={family}&departamento=04"
    return {
        "listing page": ("anonymous", "GET", search, {}),
        "listing fragment": ("anonymous", "GET", search, HTMX),
        "opening page": ("student", "GET", f"/ofertas/{world.detail.id}", {}),
        "coordinator candidates": ("coordinator", "GET", f"/coordinador/ofertas/{world.candidates.id}/candidatos", {}),
        "employer pipeline": ("employer", "GET", f"/empresa/ofertas/{world.pipeline.id}/postulantes", {}),
        "employer recommended": ("employer", "GET", f"/empresa/ofertas/{world.pipeline.id}/recomendados", {}),
        "student recommendations": ("student", "GET", "/estudiante/recomendadas", {}),
        "coordinator reports": ("coordinator", "GET", "/coordinador/reportes", {}),
        "employer dashboard": ("employer", "GET", "/empresa", {}),
        "coordinator dashboard": ("coordinator", "GET", "/coordinador", {}),
        "student dashboard": ("student", "GET", "/estudiante", {}),
        "apply": ("student", "POST", f"/ofertas/{world.to_apply.id}/postular", HTMX),
    }


@contextmanager
def counting():
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def measure(app, n: int) -> dict[str, tuple[int, int, list[str]]]:
    """name → (statements, body bytes, the statements) in a world of n rows of each kind."""
    world = build(n)
    # Each world's first request builds the listing's index afresh (the second world would
    # otherwise find the first one's index and read the version's log before rebuilding).
    app.extensions.pop("listing_index", None)
    app.extensions.pop("listing_fragments", None)  # emptied tables start the version again
    clients = {"anonymous": app.test_client()}
    for who in ("student", "employer", "coordinator"):
        clients[who] = app.test_client()
        response = clients[who].post("/ingresar", data={"email": getattr(world, who).email,
                                                        "password": factories.PASSWORD})
        assert response.status_code in (302, 303), who
    results = {}
    for name, (who, method, url, headers) in endpoints(world).items():
        client = clients[who]
        with counting() as statements:
            if method == "GET":
                response = client.get(url, headers=headers)
            else:
                response = client.post(url, headers=headers, data={"message": ""})
        assert response.status_code == 200, (name, response.status_code)
        results[name] = (len(statements), len(response.data), statements)
    return results


def test_statement_counts_do_not_grow_with_the_rows_shown(app):
    small = measure(app, SMALL)
    db.session.remove()
    empty_tables()
    large = measure(app, LARGE)
    report = "\n".join(f"{name:26} {small[name][0]:3} → {large[name][0]:3} statements"
                       for name in small)
    print("\n" + report)
    grown = {name: large[name][2] for name in small
             if large[name][0] > small[name][0] and name not in KNOWN_GROWTH}
    assert not grown, report + "\n\n" + "\n\n".join(
        f"{name}:\n  " + "\n  ".join(s.replace("\n", " ")[:160] for s in statements)
        for name, statements in grown.items())
    fixed = [name for name in KNOWN_GROWTH if large[name][0] <= small[name][0]]
    assert not fixed, f"no longer grows, remove from KNOWN_GROWTH: {fixed}"
    # The larger world really shows more rows (or the comparison proves nothing).
    lists = ["listing page", "listing fragment", "opening page", "coordinator candidates",
             "employer pipeline", "employer recommended", "student recommendations", "employer dashboard", "student dashboard",
             "coordinator dashboard"]
    assert all(large[name][1] > small[name][1] for name in lists), \
        {name: (small[name][1], large[name][1]) for name in lists}


# Statements a request may run, where a change cut them (each round trip is 0.1-2.5 ms on
# PostgreSQL, the more the busier the machine: 2026-12-04). The unfiltered pipeline counts
# its applications' states from the list itself, and the employer's company is a subquery
# of the opening's read (10 before); the coordinator dashboard reads its CETPRO's students
# once, not three times (10 before). Recomendados reads its shown students' certificates
# once, for the reasons and the summaries (16 before).
BUDGETS = {"employer pipeline": 8, "coordinator dashboard": 8, "employer recommended": 15}


def test_statement_budgets(app):
    counts = measure(app, SMALL)
    over = {name: counts[name][0] for name, budget in BUDGETS.items() if counts[name][0] > budget}
    assert not over, "\n\n".join(f"{name}: {n} statements (budget {BUDGETS[name]}):\n  " + "\n  ".join(
        s.replace("\n", " ")[:160] for s in counts[name][2]) for name, n in over.items())
