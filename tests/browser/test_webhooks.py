"""A coordinator registers her system's address, copies the secret shown once, an event
happens and the worker delivers it to a real receiver (signed with that secret); the log
shows it delivered, and «Reenviar» sends the same event again, in place."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from portal.extensions import db
from portal.models import WebhookEndpoint
from portal.placements import services as placements
from portal.webhooks import sending
from tests import factories
from tests.helpers.webhooks import Receiver

pytestmark = pytest.mark.browser


def test_create_trigger_redeliver(page: Page, log_in, live_server: str, browser_errors):
    cetpro = factories.cetpro(name="CETPRO Yanahuara")
    coordinator = factories.coordinator(cetpro, email="coordinadora@yanahuara.edu.pe")
    rosa = factories.named(factories.student(cetpro, email="rosa@example.pe"), "Rosa", "Quispe Mamani")

    with Receiver() as receiver:
        log_in("coordinadora@yanahuara.edu.pe")
        page.goto("/coordinador")
        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
        page.evaluate("window.stillHere = true")  # a full page load would drop this marker

        # No event chosen: explained, nothing made.
        browser_errors.allow_status(422, "/coordinador/webhooks")
        page.get_by_label("Dirección (URL) que recibe los eventos").fill(receiver.url)
        for box in page.locator("#events input[type=checkbox]").all():
            box.uncheck()
        page.get_by_role("button", name="Registrar webhook").click()
        expect(page.locator("#webhooks")).to_contain_text("Elige al menos un evento")
        assert db.session.query(WebhookEndpoint).count() == 0

        page.get_by_label("placement.created").check()
        page.get_by_role("button", name="Registrar webhook").click()
        secret = page.locator("#webhook-secret").inner_text()
        assert secret.startswith("whsec_")
        expect(page.locator("#webhook")).to_contain_text("no lo volveremos a mostrar")
        assert page.evaluate("window.stillHere") is True  # made in place

        # The event: she records a placement; the worker's run delivers it.
        placements.record_manual(coordinator, placements.PlacementData(
            student_id=rosa.student.id, employer_name="Taller Misti", employer_ruc="", job_title="Soldador",
            kind="empleo", start_date=clock.today() - timedelta(days=2)))
        assert sending.deliver_due() == 1
        [(headers, body)] = receiver.requests
        t, v1 = (part.split("=", 1)[1] for part in headers["enlace-signature"].split(","))
        assert v1 == sending.sign(secret, int(t), body)  # the secret she copied signs it
        assert json.loads(body)["data"]["student"]["last_names"] == "Quispe Mamani"

        page.goto("/coordinador/webhooks")
        expect(page.locator("#webhooks")).to_contain_text("1 entregadas")
        page.get_by_role("link", name=receiver.url).click()
        row = page.locator("tbody tr").first
        expect(row).to_contain_text("placement.created")
        expect(row).to_contain_text("Entregado")
        expect(page.locator("#webhook")).not_to_contain_text(secret)  # shown once only
        page.evaluate("window.stillHere = true")

        row.get_by_role("button", name="Reenviar").click()
        first = page.locator("tbody tr").first
        expect(first).to_contain_text("En cola")
        assert page.evaluate("window.stillHere") is True  # redelivered in place
        assert sending.deliver_due() == 1
        assert len(receiver.requests) == 2
        assert receiver.requests[1][0]["enlace-event-id"] == headers["enlace-event-id"]
        page.reload()
        expect(page.locator("tbody tr").first).to_contain_text("Entregado")
    assert browser_errors == []
