"""Reports on openings can be read: /admin/denuncias (the open ones, newest first), each
report on its own page, and the coordinator's copy of the reports its CETPRO is told about."""
import re
from datetime import datetime

from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import OpeningReport
from tests import factories


def reported(opening, reason="charges_fee", details=None, reporter=None, at=None, resolved=False) -> OpeningReport:
    row = OpeningReport(opening_id=opening.id, reporter_id=reporter.id if reporter else None, reason=reason,
                        details=details, created_at=at or utcnow(),
                        resolved_at=utcnow() if resolved else None,
                        resolution="Oferta suspendida: cobraba" if resolved else None)
    db.session.add(row)
    db.session.commit()
    return row


def test_admins_read_the_open_reports_newest_first_with_everything_needed(client, auth):
    company = factories.company(legal_name="Servicios Rápidos S.A.C.", trade_name="Rapidito")
    opening = factories.opening(company, title="Ayudante de almacén")
    student = factories.named(factories.student(), "Rosa", "Quispe")
    older = reported(opening, "fake", None, None, at=datetime(2026, 3, 1, 15, 0))
    newer = reported(opening, "charges_fee", "me pidieron S/ 50 para el examen médico\n<script>alert(1)</script>",
                     student, at=datetime(2026, 3, 2, 15, 0))
    settled = reported(factories.opening(title="Ya atendida"), resolved=True)
    auth.login(factories.admin())

    page = client.get("/admin/denuncias")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 denuncias abiertas" in html
    assert html.index(f'id="denuncia-{newer.id}"') < html.index(f'id="denuncia-{older.id}"')  # newest first
    assert f'id="denuncia-{settled.id}"' not in html and "Ya atendida" not in html
    assert "Pide dinero o cobra por postular" in html and "Parece falsa o engañosa" in html  # reasons in Spanish
    assert "<p>me pidieron S/ 50 para el examen médico</p>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert f"Rosa Quispe ({student.email})" in html and "Anónimo (sin cuenta)" in html
    assert html.count(f'<a href="/ofertas/{opening.id}">Ayudante de almacén</a>') == 2
    assert "Rapidito" in html and company.ruc in html
    assert f'href="/admin/denuncias/{newer.id}"' in html and f'href="/admin/denuncias/{older.id}"' in html

    one = client.get(f"/admin/denuncias/{settled.id}").get_data(as_text=True)
    assert "Esta denuncia ya fue atendida." in one and "Oferta suspendida: cobraba" in one


def test_the_admin_dashboard_links_the_open_reports(client, auth):
    reported(factories.opening())
    auth.login(factories.admin())
    html = client.get("/admin").get_data(as_text=True)
    assert re.search(r'<b>1</b><a href="/admin/denuncias">Denuncia abierta</a>', html)


def test_the_list_pages_twenty_at_a_time(client, auth):
    opening = factories.opening()
    rows = [reported(opening, details=f"Denuncia número {n}") for n in range(21)]
    auth.login(factories.admin())
    first = client.get("/admin/denuncias").get_data(as_text=True)
    assert "21 denuncias abiertas" in first and first.count('class="card report"') == 20
    second = client.get("/admin/denuncias?pagina=2").get_data(as_text=True)
    assert second.count('class="card report"') == 1 and f'id="denuncia-{rows[0].id}"' in second


def test_a_coordinator_reads_the_reports_of_its_cetpro_without_who_reported(client, auth):
    mine, other = factories.cetpro(department="04"), factories.cetpro(department="08", province="0801")
    coordinator = factories.coordinator(mine)
    for_mine = factories.opening(title="Para mi CETPRO", targets_all_cetpros=False)
    for_mine.cetpros = [mine]
    for_other = factories.opening(title="Para otro CETPRO", targets_all_cetpros=False)
    for_other.cetpros = [other]
    db.session.commit()
    student = factories.student()
    here = reported(for_mine, "illegal_pay", "Pagan S/ 300 al mes", student)
    there = reported(for_other, "fake")
    auth.login(coordinator)

    page = client.get(f"/coordinador/denuncias/{here.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Paga menos de lo legal" in html and "Pagan S/ 300 al mes" in html
    assert "Una persona con cuenta de estudiante" in html
    assert student.email not in html and student.last_names not in html
    assert client.get(f"/coordinador/denuncias/{there.id}").status_code == 404
    assert client.get("/admin/denuncias").status_code == 403
    assert client.get(f"/admin/denuncias/{here.id}").status_code == 403


def test_only_staff_read_reports(client, auth):
    row = reported(factories.opening())
    assert client.get("/admin/denuncias").status_code == 302  # to /ingresar
    for user in (factories.student(), factories.employer()):
        auth.login(user)
        assert client.get("/admin/denuncias").status_code == 403
        assert client.get(f"/admin/denuncias/{row.id}").status_code == 403
        assert client.get(f"/coordinador/denuncias/{row.id}").status_code == 403
        auth.logout()
    auth.login(factories.admin())
    assert client.get("/admin/denuncias/999999").status_code == 404
    assert db.session.scalar(select(OpeningReport.resolved_at)) is None  # reading settles nothing
