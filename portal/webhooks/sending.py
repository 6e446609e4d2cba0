"""The worker's part: sign and POST the due deliveries, retry with backoff, purge old ones.

Each run claims up to BATCH due deliveries (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so
two workers never claim the same one) by moving their next attempt CLAIM ahead and
committing; then it sends each one outside any transaction and records the result. A
worker stopped mid-run leaves its claimed deliveries to the next run after CLAIM.

A delivery is delivered when the receiver answers 2xx within TIMEOUT seconds (redirects
are not followed: a 3xx is a failure). Otherwise it waits BACKOFF · 4^(attempts−1) and is
tried again, up to MAX_ATTEMPTS; then it is kept as failed, with its last error, for the
coordinator to redeliver (services.redeliver).

The signature (docs/API.md «Webhooks»): `Enlace-Signature: t=<unix seconds>,v1=<hex>`,
the hex being HMAC-SHA256 with the endpoint's secret over `<t>.<body>`; during a
rotation's grace period a second `v1=` is signed with the previous secret.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, or_, select, update

from portal import clock, config
from portal.clock import utcnow
from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger("portal.webhooks")

TIMEOUT = 10  # seconds for one POST (connect and answer)
MAX_ATTEMPTS = 6  # the sixth failure marks it failed (about 5 h 40 min after the first)
BACKOFF = timedelta(minutes=1)  # waits: 1, 4, 16, 64, 256 minutes
BATCH = 50
CLAIM = timedelta(minutes=15)  # longer than a batch can take (BATCH × TIMEOUT)
RETENTION_DAYS = 30
USER_AGENT = "EnlaceCETPRO-Webhooks/1"


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed (and signed): the payload as compact UTF-8 JSON."""
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 (hex) of `<timestamp>.<body>` with `secret`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def secrets_of(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during its grace period."""
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        secrets.append(endpoint.previous_secret)
    return secrets


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}"] + [f"v1={sign(secret, timestamp, body)}" for secret in secrets])


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th failure a delivery is tried again."""
    return BACKOFF * 4 ** (attempts - 1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ARG002 - urllib's signature
        return None  # a 3xx answer stays an HTTPError: the receiver must answer itself


_OPENER = urllib.request.build_opener(_NoRedirect)


PRIVATE = "La dirección apunta a una red privada o local: en producción no enviamos webhooks allí."


def private_target(url: str) -> str | None:
    """Why `url` may not be sent to (its host resolves to a loopback, private, link-local or
    otherwise non-public address: the portal's own network), or None. Checked before every
    POST in production, so a webhook cannot be turned on the servers around the portal."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError) as error:
        return f"No se pudo resolver {parts.hostname}: {error}"[:500]
    for info in infos:
        if not ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global:
            return PRIVATE
    return None


def _allow_private() -> bool:
    return current_app.config.get("WEBHOOK_ALLOW_PRIVATE", not config.production())


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str | None]:
    """(status code, error): error None when the receiver answered 2xx."""
    if not _allow_private() and (refused := private_target(url)):
        return None, refused
    request = urllib.request.Request(url, data=body, method="POST")
    for name, value in headers.items():  # an outgoing request's: ASCII by construction (names, ids, hex)
        request.add_header(name, value)
    try:
        with _OPENER.open(request, timeout=current_app.config.get("WEBHOOK_TIMEOUT", TIMEOUT)) as response:
            response.read(1024)
            status = response.status
    except urllib.error.HTTPError as error:
        return error.code, f"El receptor respondió HTTP {error.code}."
    except TimeoutError:
        return None, "El receptor no respondió a tiempo."
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            return None, "El receptor no respondió a tiempo."
        return None, f"No se pudo conectar: {reason}"[:500]
    if 200 <= status < 300:
        return status, None
    return status, f"El receptor respondió HTTP {status}."


def _claim(now: datetime, limit: int) -> list[int]:
    query = (select(WebhookDelivery.id)
             .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
             .where(WebhookDelivery.state == "pending", WebhookEndpoint.paused.is_(False),
                    or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now))
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
             .limit(limit))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
                           .values(next_attempt_at=now + CLAIM).execution_options(synchronize_session=False))
    db.session.commit()
    return ids


def attempt(delivery: WebhookDelivery) -> bool:
    """POST one delivery now and record the result (not committed); True if delivered."""
    now = utcnow()
    body = body_of(delivery)
    timestamp = int(clock.now().timestamp())
    endpoint = delivery.endpoint
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "Enlace-Event": delivery.event, "Enlace-Event-Id": delivery.event_id,
               "Enlace-Delivery": str(delivery.id),
               "Enlace-Signature": signature_header(secrets_of(endpoint, now), timestamp, body)}
    status, error = _post(endpoint.url, body, headers)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = now, status, error
    if error is None:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        return True
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state, delivery.failed_at, delivery.next_attempt_at = "failed", now, None
        log.warning("webhook delivery %s to %s failed %s times: %s", delivery.id, endpoint.url,
                    delivery.attempts, error)
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return False


def deliver_due(limit: int = BATCH) -> int:
    """The worker's task (every minute): send the due deliveries; how many were delivered."""
    delivered = 0
    for delivery_id in _claim(utcnow(), limit):
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.state != "pending":
            continue
        try:
            delivered += attempt(delivery)
        finally:
            db.session.commit()
    return delivered


def purge_old(now: datetime | None = None, days: int = RETENTION_DAYS) -> int:
    """Delete the deliveries made more than `days` days ago (their payloads hold students'
    names and DNIs), whatever their state; how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.created_at < cutoff))
    db.session.commit()
    return result.rowcount or 0
