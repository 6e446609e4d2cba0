"""/coordinador/webhooks: the page and its fragment, create (the secret shown once), edit,
pause, rotate, delete and «Reenviar», each without JavaScript (POST → 303, or the secret's
own page) and with htmx (the fragment in place); a bad input changes nothing."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from portal.webhooks import events
from tests import factories
from tests.helpers.webhooks import endpoint

URL = "/coordinador/webhooks"
EVENTS = ["application.hired", "placement.created", "followup.answered", "opening.published"]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_page_and_fragment(client, auth, world, htmx_headers):
    row = endpoint(world["coordinator"])
    endpoint(world["other_coordinator"], url="https://otro-cetpro.example.pe/h")
    auth.login(world["coordinator"])
    page = client.get(URL)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Webhooks</h1>" in text
    assert row.url in text and "otro-cetpro" not in text
    assert row.secret not in text and f"whsec_…{row.secret[-4:]}" in text  # never again in full
    fragment = client.get(URL, headers=htmx_headers).get_data(as_text=True)
    assert fragment.startswith("<div id=\"webhooks\"") or fragment.lstrip().startswith("<div id=\"webhooks\"")
    assert "<h1>" not in fragment


def test_create_without_javascript_shows_the_secret_once(client, auth, world):
    auth.login(world["coordinator"])
    response = client.post(URL, data={"url": "https://siga.example.pe/enlace", "description": "SIGA",
                                      "events": ["placement.created", "followup.answered"]})
    row = db.session.scalar(select(WebhookEndpoint))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert row.secret in response.get_data(as_text=True)
    assert (row.cetpro_id, row.events, row.paused) == (world["cetpro"].id, ["placement.created", "followup.answered"],
                                                       False)
    assert count(AuditEvent, AuditEvent.action == "webhook.created") == 1
    again = client.get(f"{URL}/{row.id}").get_data(as_text=True)
    assert row.secret not in again and row.url in again


def test_create_with_htmx_answers_the_fragment_with_the_secret(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    response = client.post(URL, headers=htmx_headers, data={"url": "https://siga.example.pe/enlace",
                                                            "events": EVENTS})
    row = db.session.scalar(select(WebhookEndpoint))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and row.secret in text and text.lstrip().startswith("<div id=\"webhook\"")
    assert "Copia ahora su secreto" in json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"]


def test_a_bad_input_is_refused_in_spanish_and_changes_nothing(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    for data, message in (({"url": "http//siga", "events": EVENTS}, "debe empezar con https://"),
                          ({"url": "https://siga.example.pe"}, "Elige al menos un evento"),
                          ({"url": "https://siga.example.pe", "events": ["user.deleted"]}, "Elige eventos de la lista")):
        for headers in ({}, htmx_headers):
            response = client.post(URL, headers=headers, data=data)
            assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(WebhookEndpoint) == 0


def test_edit_pause_rotate_and_delete(client, auth, world, htmx_headers):
    row = endpoint(world["coordinator"])
    first_secret = row.secret
    auth.login(world["coordinator"])
    page = f"{URL}/{row.id}"
    response = client.post(page, data={"url": "https://nuevo.example.pe/h", "description": "Nuevo",
                                       "events": ["opening.published"]})
    assert response.status_code == 303 and response.headers["Location"].endswith(page)
    db.session.refresh(row)
    assert (row.url, row.events) == ("https://nuevo.example.pe/h", ["opening.published"])
    bad = client.post(page, headers=htmx_headers, data={"url": "ftp://x", "events": EVENTS})
    assert bad.status_code == 422
    db.session.refresh(row)
    assert row.url == "https://nuevo.example.pe/h"

    response = client.post(f"{page}/pausa", headers=htmx_headers, data={"action": "pausar"})
    assert response.status_code == 200 and "Pausado" in response.get_data(as_text=True)
    db.session.refresh(row)
    assert row.paused
    refused = client.post(f"{page}/pausa", headers=htmx_headers, data={"action": "borrar"})
    assert refused.status_code == 422 and "Elige pausar o reanudar" in refused.headers["HX-Trigger"]
    assert client.post(f"{page}/pausa", data={"action": "borrar"}).status_code == 303  # flashed, no change
    db.session.refresh(row)
    assert row.paused
    assert client.post(f"{page}/pausa", data={"action": "reanudar"}).status_code == 303
    db.session.refresh(row)
    assert not row.paused

    response = client.post(f"{page}/secreto")
    db.session.refresh(row)
    assert response.status_code == 200 and row.secret != first_secret and row.previous_secret == first_secret
    assert row.secret in response.get_data(as_text=True) and first_secret not in response.get_data(as_text=True)

    refused = client.post(f"{page}/eliminar", data={})
    assert refused.status_code == 422 and "Marca la casilla" in refused.get_data(as_text=True)
    assert count(WebhookEndpoint) == 1
    response = client.post(f"{page}/eliminar", data={"confirm": "y"})
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    assert count(WebhookEndpoint) == 0


def test_the_delivery_log_and_reenviar(client, auth, world, htmx_headers):
    row = endpoint(world["coordinator"])
    placement = factories.placement(world["student"], clock.today() - timedelta(days=3))
    events.placement_created(placement)
    db.session.commit()
    delivery = db.session.scalar(select(WebhookDelivery))
    delivery.state, delivery.attempts, delivery.last_status_code = "failed", 6, 500
    delivery.last_error = "El receptor respondió HTTP 500 <script>alert(1)</script>."
    db.session.commit()
    auth.login(world["coordinator"])
    text = client.get(f"{URL}/{row.id}").get_data(as_text=True)
    assert "placement.created" in text and "Fallido" in text and "HTTP 500" in text
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text
    response = client.post(f"{URL}/entregas/{delivery.id}/reenviar", headers=htmx_headers)
    assert response.status_code == 200 and "En cola" in response.get_data(as_text=True)
    again = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.id != delivery.id))
    assert (again.state, again.event_id, again.payload) == ("pending", delivery.event_id, delivery.payload)
    assert client.post(f"{URL}/entregas/{delivery.id}/reenviar").status_code == 303


def test_another_cetpros_webhooks_do_not_exist_here(client, auth, world):
    theirs = endpoint(world["other_coordinator"])
    placement = factories.placement(world["other_student"], clock.today() - timedelta(days=3))
    events.placement_created(placement)
    db.session.commit()
    delivery = db.session.scalar(select(WebhookDelivery))
    auth.login(world["coordinator"])
    assert client.get(f"{URL}/{theirs.id}").status_code == 404
    for path in ("", "/pausa", "/secreto", "/eliminar"):
        assert client.post(f"{URL}/{theirs.id}{path}", data={"confirm": "y", "action": "pausar"}).status_code == 404
    assert client.post(f"{URL}/entregas/{delivery.id}/reenviar").status_code == 404
    db.session.refresh(theirs)
    assert not theirs.paused and count(WebhookDelivery) == 1


def test_an_admin_sees_any_cetpros_webhooks_on_its_page(client, auth, world):
    endpoint(world["other_coordinator"], url="https://siga-cusco.example.pe/h", events=["opening.published"])
    auth.login(factories.admin())
    text = client.get(f"/admin/cetpros/{world['other_cetpro'].id}").get_data(as_text=True)
    assert "https://siga-cusco.example.pe/h" in text and "opening.published" in text and "0 fallidas" in text
    assert "whsec_" not in text
    assert "Este CETPRO no tiene webhooks." in client.get(f"/admin/cetpros/{world['cetpro'].id}").get_data(as_text=True)
