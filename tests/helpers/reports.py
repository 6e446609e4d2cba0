"""A small world whose report figures are worked out by hand below.

CETPRO A (Arequipa, 04) — the one under test:

    student  programme     status     graduated    placements (start, kind, employer, dept)
    e1       Electricidad  egresado   2024-03-01   2024-03-31 empleo, Eléctrica del Sur (portal, hired), 04
                                                   2024-09-01 empleo, "Taller Quispe" (by hand), no dept
    e2       Electricidad  egresado   2024-03-01   2024-01-15 prácticas preprofesionales, Eléctrica del Sur, 04
    e3, e4   Electricidad  egresado   2024-03-01   —
    c1       Cocina        titulado   2024-07-01   2024-10-29 prácticas profesionales, "taller quispe " (by hand), 08
    c2, c3   Cocina        titulado   2024-07-01   —
    e5       Electricidad  egresado   2025-02-01   2025-03-18 empleo, Montajes Andinos (by hand, registered), 15
    e6       Electricidad  egresado   2025-02-01   —
    s1       Electricidad  estudiante —            2025-05-01 prácticas preprofesionales, Eléctrica del Sur, 04

    Graduates 9, placed 4 (e1, e2, c1, e5): 44.4 %.
      Electricidad 6 graduates, 3 placed (50 %); Cocina 3, 1 (33.3 %).
      2024: 7 graduates, 3 placed (42.9 %); 2025: 2, 1 (50 %).
    Days to first placement: e1 30, e2 -46 → 0, c1 120, e5 45 → median (30 + 45) / 2 = 37.5.
    Follow-ups (W working, N not working, U due and unanswered; F not due yet, never counted):
      e1 first: 3m W (still there), 6m W (elsewhere), 12m N
      e2:       3m W, 6m N, 12m U
      c1:       3m U, 6m W
      e5:       3m W (elsewhere), 12m F
      s1:       3m N
      → 3m: 3 W, 1 N, 1 U (75 %); 6m: 2 W, 1 N (66.7 %); 12m: 0 W, 1 N, 1 U (0 %).
    Placements 6: empleo 3, preprofesionales 2, profesionales 1;
      departments 04: 3, 08: 1, 15: 1, none: 1; companies Eléctrica del Sur 3, Taller Quispe 2, Montajes Andinos 1.
    Applications: e1 hired + rejected, e2 withdrawn, e3 received, e4 in review, c1 rejected, s1 finalist
      → hired 1, rejected 2, withdrawn 1, open 3.

CETPRO B (Arequipa, 04): b1 placed (2024-05-01, empleo, 04, follow-up 3m N, application hired), b2 not.
CETPRO C (Cusco, 08): k1 Cocina 2025 placed (2025-04-01, empleo, 08).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.extensions import db
from portal.models import FollowUp, Placement, User
from tests import factories

TODAY = date(2026, 1, 15)
NOT_DUE = date(2099, 12, 31)


def follow(placement: Placement, months: int, answer: str | None, due: date | None = None) -> FollowUp:
    from portal.applications.eligibility import add_months

    row = FollowUp(placement_id=placement.id, months=months, answer=answer,
                   due_date=due or add_months(placement.start_date, months))
    db.session.add(row)
    db.session.commit()
    return row


@dataclass
class World:
    a: object
    b: object
    c: object
    coordinator_a: User
    coordinator_b: User
    admin: User
    electricidad: object
    cocina: object
    students: dict = field(default_factory=dict)


def report_world() -> World:
    """The world worked out above, in the database."""
    electricidad, cocina = factories.programme("Electricidad"), factories.programme("Cocina")
    a = factories.cetpro("CETPRO Santa Rosa", department="04", province="0401")
    b = factories.cetpro("CETPRO Misti", department="04", province="0401")
    c = factories.cetpro("CETPRO Qosqo", department="08", province="0801")
    sur = factories.company(legal_name="Eléctrica del Sur S.A.C.", trade_name="Eléctrica del Sur")
    andinos = factories.company(legal_name="Montajes Andinos S.A.C.")
    first_opening = factories.opening(sur)
    second_opening = factories.opening(andinos)

    def student(cetpro, programme, status, graduated):
        return factories.student(cetpro, programme, status=status, graduation_date=graduated)

    s = {}
    for name in ("e1", "e2", "e3", "e4"):
        s[name] = student(a, electricidad, "egresado", date(2024, 3, 1))
    for name in ("c1", "c2", "c3"):
        s[name] = student(a, cocina, "titulado", date(2024, 7, 1))
    for name in ("e5", "e6"):
        s[name] = student(a, electricidad, "egresado", date(2025, 2, 1))
    s["s1"] = student(a, electricidad, "estudiante", None)

    hired = factories.application(first_opening, s["e1"], state="hired")
    factories.application(second_opening, s["e1"], state="rejected")
    factories.application(first_opening, s["e2"], state="withdrawn")
    factories.application(first_opening, s["e3"], state="received")
    factories.application(second_opening, s["e4"], state="in_review")
    factories.application(first_opening, s["c1"], state="rejected")
    factories.application(second_opening, s["s1"], state="finalist")

    placement = factories.placement
    e1 = placement(s["e1"], date(2024, 3, 31), company=sur, application=hired, department="04")
    placement(s["e1"], date(2024, 9, 1), employer="Taller Quispe", department=None)
    e2 = placement(s["e2"], date(2024, 1, 15), kind="practicas_preprofesionales", company=sur, department="04")
    c1 = placement(s["c1"], date(2024, 10, 29), kind="practicas_profesionales", employer="taller quispe ",
                   department="08")
    e5 = placement(s["e5"], date(2025, 3, 18), company=andinos, employer="Montajes Andinos", department="15")
    s1 = placement(s["s1"], date(2025, 5, 1), kind="practicas_preprofesionales", company=sur, department="04")

    follow(e1, 3, "still_there"), follow(e1, 6, "elsewhere"), follow(e1, 12, "not_working")
    follow(e2, 3, "still_there"), follow(e2, 6, "not_working"), follow(e2, 12, None)
    follow(c1, 3, None), follow(c1, 6, "still_there")
    follow(e5, 3, "elsewhere"), follow(e5, 12, None, due=NOT_DUE)
    follow(s1, 3, "not_working")

    # Other CETPROs: their numbers must never reach CETPRO A's report.
    s["b1"] = student(b, electricidad, "egresado", date(2024, 3, 1))
    s["b2"] = student(b, electricidad, "egresado", date(2024, 3, 1))
    b_hired = factories.application(first_opening, s["b1"], state="hired")
    b1 = placement(s["b1"], date(2024, 5, 1), company=sur, application=b_hired, department="04")
    follow(b1, 3, "not_working")
    s["k1"] = student(c, cocina, "egresado", date(2025, 2, 1))
    placement(s["k1"], date(2025, 4, 1), employer="Restaurante Inka", department="08")

    return World(a=a, b=b, c=c, coordinator_a=factories.coordinator(a, email="coord.a@example.pe"),
                 coordinator_b=factories.coordinator(b, email="coord.b@example.pe"),
                 admin=factories.admin(email="admin.reportes@example.pe"),
                 electricidad=electricidad, cocina=cocina, students=s)
