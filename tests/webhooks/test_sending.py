"""The worker sends the deliveries to a real HTTP receiver on 127.0.0.1: signed, retried with
backoff (the portal's clock frozen and moved), failed after the last attempt, redelivered."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta

from sqlalchemy import select

from portal import clock, worker
from portal.extensions import db
from portal.models import WebhookDelivery
from portal.webhooks import events, sending, services
from tests import factories
from tests.helpers.webhooks import Receiver, endpoint

START = datetime(2026, 12, 1, 9, 0)  # Lima


def queue_placement(world, coordinator=None):
    """A placement of our student, recorded, so every subscribed endpoint gets an event."""
    placement = factories.placement(world["student"], clock.today() - timedelta(days=5))
    events.placement_created(placement)
    db.session.commit()
    return placement


def only_delivery() -> WebhookDelivery:
    [delivery] = db.session.scalars(select(WebhookDelivery))
    db.session.refresh(delivery)
    return delivery


def test_a_delivery_is_posted_signed_and_marked_delivered(world, receiver, frozen_clock):
    at = frozen_clock(START)
    row = endpoint(world["coordinator"], url=receiver.url)
    queue_placement(world)
    assert sending.deliver_due() == 1
    [(headers, body)] = receiver.requests
    delivery = only_delivery()
    assert (delivery.state, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "delivered", 1, 204, None)
    assert headers["enlace-event"] == "placement.created" and headers["enlace-delivery"] == str(delivery.id)
    assert headers["enlace-event-id"] == delivery.event_id
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(body)["data"]["student"]["last_names"] == "Quispe Mamani"
    timestamp = int(at.timestamp())
    expected = hmac.new(row.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["enlace-signature"] == f"t={timestamp},v1={expected}"
    assert sending.deliver_due() == 0 and len(receiver.requests) == 1  # sent once


def test_failures_back_off_then_fail_and_a_redelivery_goes_again(world, receiver, frozen_clock):
    frozen_clock(START)
    endpoint(world["coordinator"], url=receiver.url)
    queue_placement(world)
    receiver.statuses = [500]
    waits = []
    now = datetime(2026, 12, 1, 9, 0)
    for attempt in range(1, sending.MAX_ATTEMPTS + 1):
        assert sending.deliver_due() == 0
        delivery = only_delivery()
        assert delivery.attempts == attempt and delivery.last_status_code == 500
        assert delivery.last_error == "El receptor respondió HTTP 500."
        if attempt < sending.MAX_ATTEMPTS:
            assert delivery.state == "pending"
            wait = delivery.next_attempt_at - clock.utcnow()
            waits.append(wait)
            # Not yet due a second before its time: nothing is sent.
            frozen_clock(now + wait - timedelta(seconds=1))
            assert sending.deliver_due() == 0 and len(receiver.requests) == attempt
            now += wait
            frozen_clock(now)
    assert waits == [timedelta(minutes=m) for m in (1, 4, 16, 64, 256)]
    delivery = only_delivery()
    assert delivery.state == "failed" and delivery.failed_at is not None and delivery.next_attempt_at is None
    frozen_clock(now + timedelta(days=1))
    assert sending.deliver_due() == 0 and len(receiver.requests) == sending.MAX_ATTEMPTS  # given up
    receiver.statuses = [200]
    again = services.redeliver(world["coordinator"], delivery)
    assert sending.deliver_due() == 1
    db.session.refresh(again)
    assert again.state == "delivered" and again.event_id == delivery.event_id
    assert receiver.requests[-1][0]["enlace-event-id"] == delivery.event_id


def test_an_unreachable_receiver_or_a_redirect_is_a_failed_attempt(world, frozen_clock):
    frozen_clock(START)
    with Receiver() as closed:
        url = closed.url
    endpoint(world["coordinator"], url=url)  # nothing listens there any more
    queue_placement(world)
    assert sending.deliver_due() == 0
    delivery = only_delivery()
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_status_code is None
    assert delivery.last_error.startswith("No se pudo conectar")
    with Receiver() as redirecting:
        redirecting.statuses = [302]
        delivery.endpoint.url = redirecting.url
        db.session.commit()
        frozen_clock(START + timedelta(minutes=1))
        assert sending.deliver_due() == 0
        assert only_delivery().last_error == "El receptor respondió HTTP 302."


def test_a_paused_endpoint_keeps_its_deliveries_until_resumed(world, receiver, frozen_clock):
    frozen_clock(START)
    row = endpoint(world["coordinator"], url=receiver.url)
    queue_placement(world)
    services.set_paused(world["coordinator"], row, True)
    assert sending.deliver_due() == 0 and receiver.requests == []
    services.set_paused(world["coordinator"], row, False)
    assert sending.deliver_due() == 1 and len(receiver.requests) == 1


def test_during_a_rotation_both_secrets_sign(world, receiver, frozen_clock):
    frozen_clock(START)
    row = endpoint(world["coordinator"], url=receiver.url)
    old = row.secret
    new = services.rotate(world["coordinator"], row)
    queue_placement(world)
    sending.deliver_due()
    [(headers, body)] = receiver.requests
    t, *signatures = headers["enlace-signature"].split(",")
    timestamp = t.removeprefix("t=")
    assert signatures == [f"v1={sending.sign(secret, int(timestamp), body)}" for secret in (new, old)]


def test_the_worker_runs_the_task_every_minute(world, receiver, frozen_clock):
    frozen_clock(START)
    endpoint(world["coordinator"], url=receiver.url)
    queue_placement(world)
    task = next(task for task in worker.TASKS if task.name == "webhooks")
    assert task.schedule.period == timedelta(minutes=1)
    worker.register_all()
    assert worker.run_task(task, "host-a:1")
    assert only_delivery().state == "delivered"


def test_the_nightly_purge_drops_deliveries_older_than_30_days(world, frozen_clock):
    frozen_clock(START)
    endpoint(world["coordinator"], url="https://siga.example.pe/h")
    queue_placement(world)
    frozen_clock(START + timedelta(days=29))
    queue_placement(world)
    frozen_clock(START + timedelta(days=30, minutes=1))
    tasks = {task.name: task for task in worker.TASKS}
    worker.register_all()
    assert worker.run_task(tasks["accounts-purge"], "host-a:1")
    left = list(db.session.scalars(select(WebhookDelivery.created_at)))
    assert left == [datetime(2026, 12, 30, 14, 0)]  # the 29-day-old one (UTC)


def test_in_production_a_private_or_local_address_is_never_posted_to(app, world, receiver, frozen_clock,
                                                                     monkeypatch):
    """The receiver listens on 127.0.0.1: allowed in development (the tests above), refused
    in production before any connection, as a failed attempt that says why."""
    frozen_clock(START)
    endpoint(world["coordinator"], url=receiver.url)
    queue_placement(world)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    assert sending.deliver_due() == 0 and receiver.requests == []
    delivery = only_delivery()
    assert delivery.attempts == 1 and delivery.last_error == sending.PRIVATE
    assert sending.private_target("https://10.1.2.3/h") == sending.PRIVATE
    assert sending.private_target("https://[::1]/h") == sending.PRIVATE
    assert sending.private_target("https://169.254.169.254/latest") == sending.PRIVATE
