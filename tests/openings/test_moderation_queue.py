"""The moderation queues: /admin/denuncias and /coordinador/denuncias (page and fragment),
filtered by state and reason, with each opening's history; the actions in place."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, Opening, OpeningReport
from portal.openings import moderation, moderation_actions
from tests import factories
from tests.helpers.events import toast
from tests.helpers.web import HTMX


def reported(opening, person=None, reason="charges_fee", details=None):
    return moderation.report(db.session.get(Opening, opening.id), person, reason, details)


def test_the_queue_filters_by_state_and_reason_page_and_fragment(client, auth):
    opening = factories.opening(factories.company(trade_name="Rapidito"), title="Ayudante de almacén")
    first = reported(opening, None, "fake", "<b>Falsa</b>")
    second = reported(opening, factories.named(factories.student(), "Rosa", "Quispe"), "charges_fee")
    other = reported(factories.opening(title="Cajero"), None, "discrimination")
    admin = factories.admin()
    moderation_actions.dismiss(db.session.get(OpeningReport, other.id), admin, "Es un requisito legal.")
    auth.login(admin)

    html = client.get("/admin/denuncias").get_data(as_text=True)
    assert "2 denuncias abiertas" in html and 'name="estado"' in html and 'name="motivo"' in html
    assert html.index(f'id="denuncia-{second.id}"') < html.index(f'id="denuncia-{first.id}"')  # newest first
    assert "Rosa Quispe" in html and "Anónimo (sin cuenta)" in html and "Rapidito" in html
    assert "&lt;b&gt;Falsa&lt;/b&gt;" in html and "<b>Falsa" not in html
    assert "Historial de denuncias de esta oferta (2)" in html
    assert "Cajero" not in html

    fragment = client.get("/admin/denuncias?estado=dismissed", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<section id="opening-reports"')
    assert "Cajero" in body and "Descartada: Es un requisito legal." in body and "Ayudante" not in body
    assert "<html" not in body

    body = client.get("/admin/denuncias?estado=todas&motivo=fake", headers=HTMX).get_data(as_text=True)
    assert f'id="denuncia-{first.id}"' in body and f'id="denuncia-{second.id}"' not in body
    # Unknown values are ignored, never an error.
    assert client.get("/admin/denuncias?estado=x&motivo=y&pagina=z").status_code == 200


def test_the_queue_says_why_an_opening_was_suspended_automatically(client, auth):
    opening = factories.opening()
    for _ in range(3):
        reported(opening, factories.student())
    auth.login(factories.admin())
    html = client.get("/admin/denuncias").get_data(as_text=True)
    assert "Suspendida automáticamente: 3 denuncias de personas distintas" in html
    assert "Confirmar la suspensión" in html and "Volver a publicar" in html
    assert "Suspender la oferta" not in html


def test_dismissing_in_place_and_without_htmx(client, auth):
    reporter = factories.student()
    report = reported(factories.opening(), reporter)
    auth.login(factories.admin())

    refused = client.post(f"/admin/denuncias/{report.id}/descartar", data={"text": " "}, headers=HTMX)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert body.lstrip().startswith(f'<article id="denuncia-{report.id}"') and "Escribe por qué descartas" in body
    assert db.session.get(OpeningReport, report.id).resolved_at is None

    done = client.post(f"/admin/denuncias/{report.id}/descartar", headers=HTMX,
                       data={"text": "No hay cobro.", "next": "/admin/denuncias?motivo=charges_fee"})
    assert done.status_code == 200 and "Descartaste la denuncia" in toast(done)
    assert "Descartada: No hay cobro." in done.get_data(as_text=True)
    assert db.session.scalar(select(Notification.user_id).where(Notification.kind == "report-settled")) == reporter.id

    again = client.post(f"/admin/denuncias/{report.id}/descartar", data={"text": "Otra vez", "next": "https://x.pe"})
    assert again.status_code == 303 and again.headers["Location"] == "/admin/denuncias"


def test_suspending_from_the_queue_and_reinstating(client, auth):
    opening = factories.opening()
    report = reported(opening)
    auth.login(factories.admin())
    response = client.post(f"/admin/denuncias/{report.id}/suspender", data={"text": "Pide dinero."})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/denuncias"
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).state_reason == "Pide dinero."
    assert "Fue suspendida: Pide dinero." in client.get(f"/ofertas/{opening.id}").get_data(as_text=True)

    conflict = client.post(f"/admin/denuncias/{report.id}/suspender", data={"text": "Otra vez."}, headers=HTMX)
    assert conflict.status_code == 409 and "solo se suspende una oferta publicada" in toast(conflict)

    back = client.post(f"/admin/denuncias/{report.id}/reactivar", data={"text": "Era un malentendido."}, headers=HTMX)
    assert back.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).state == "published"


def test_an_admin_suspends_and_reinstates_a_company_from_a_report(client, auth):
    company = factories.company(trade_name="Estafas SAC")
    opening = factories.opening(company)
    report = reported(opening)
    auth.login(factories.admin())
    assert "Suspender la empresa" in client.get("/admin/denuncias").get_data(as_text=True)
    refused = client.post(f"/admin/empresas/{company.id}/suspender", data={"text": ""})
    assert refused.status_code == 303
    assert db.session.get(Opening, opening.id).state == "published"
    response = client.post(f"/admin/empresas/{company.id}/suspender",
                           data={"text": "Cobra por postular.", "next": f"/admin/denuncias/{report.id}"})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/denuncias/{report.id}"
    html = client.get(f"/admin/denuncias/{report.id}").get_data(as_text=True)
    assert "Suspendiste a Estafas SAC y su oferta publicada. Avisamos a su equipo." in html
    assert "Reactivar la empresa" in html
    client.post(f"/admin/empresas/{company.id}/reactivar", data={"text": "Devolvió el dinero."})
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).state == "published"


def test_a_coordinator_sees_and_acts_on_its_cetpros_reports_only(client, auth):
    arequipa, cusco = factories.cetpro(department="04"), factories.cetpro(department="08", province="0801")
    ours = factories.opening(title="Oferta para Arequipa", targets_all_cetpros=False)
    ours.cetpros = [arequipa]
    theirs = factories.opening(title="Oferta para Cusco", targets_all_cetpros=False)
    theirs.cetpros = [cusco]
    db.session.commit()
    mine = reported(ours, factories.named(factories.student(), "Rosa", "Quispe"))
    other = reported(theirs)
    auth.login(factories.coordinator(arequipa))

    page = client.get("/coordinador/denuncias")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Oferta para Arequipa" in html and "Oferta para Cusco" not in html
    assert "Rosa Quispe" not in html and "Una persona con cuenta de estudiante" in html
    assert "Suspender la empresa" not in html  # the platform's decision
    fragment = client.get("/coordinador/denuncias", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="opening-reports"')
    assert 'href="/coordinador/denuncias"' in client.get("/coordinador").get_data(as_text=True)

    assert client.post(f"/coordinador/denuncias/{other.id}/descartar", data={"text": "x"}).status_code == 404
    done = client.post(f"/coordinador/denuncias/{mine.id}/suspender", data={"text": "Pide dinero."}, headers=HTMX)
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opening, ours.id).state == "suspended"
    assert db.session.get(Opening, theirs.id).state == "published"
