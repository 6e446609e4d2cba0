"""A CETPRO's webhook endpoints: the coordinators' writes. Every rule is checked here with a
Spanish message; a refused change changes nothing. Every write is audited and committed.

The secret is made here (`whsec_` and 32 random bytes) and shown once, when the endpoint is
made or the secret rotated. A rotation keeps the previous secret signing for GRACE, so the
receiving system can switch at its own pace (both signatures are sent meanwhile)."""
from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from portal import config, vocab
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.models import User, WebhookDelivery, WebhookEndpoint

GRACE = timedelta(hours=24)
MAX_PER_CETPRO = 10
URL_MAX = 500


class WebhookError(ValueError):
    """A rule broken by the data given. `errors` maps form fields to their messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors or {}


@dataclass
class EndpointData:
    url: str
    description: str
    events: list[str]


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def masked(secret: str) -> str:
    """How a secret is shown after the first time: its last four characters."""
    return "whsec_…" + secret[-4:]


def _local_host(host: str) -> bool:
    """A host that names this machine or a private network by itself (the worker also checks
    where every name resolves before each POST: sending.private_target)."""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def _clean(data: EndpointData) -> EndpointData:
    errors: dict[str, str] = {}
    url = (data.url or "").strip()
    parts = urlsplit(url) if len(url) <= URL_MAX else None
    allowed = ("https",) if config.production() else ("https", "http")
    if not url:
        errors["url"] = "Escribe la dirección (URL) de tu sistema que recibirá los eventos."
    elif parts is None:
        errors["url"] = f"La dirección es demasiado larga (máximo {URL_MAX} caracteres)."
    elif parts.scheme not in allowed or not parts.hostname or any(c.isspace() for c in url):
        errors["url"] = ("La dirección debe empezar con https:// y tener un dominio, por ejemplo "
                         "https://siga.micetpro.edu.pe/enlace/webhooks.")
    elif parts.username or parts.password:
        errors["url"] = "La dirección no puede llevar usuario ni contraseña: la firma autentica cada envío."
    elif config.production() and _local_host(parts.hostname):
        errors["url"] = "La dirección debe ser pública en internet, no una red local ni este servidor."
    description = " ".join((data.description or "").split())
    if len(description) > 200:
        errors["description"] = "La descripción puede tener hasta 200 caracteres."
    events = [e for e in vocab.WEBHOOK_EVENTS if e in set(data.events or [])]
    if not data.events:
        errors["events"] = "Elige al menos un evento."
    elif len(events) != len(set(data.events)):
        errors["events"] = "Elige eventos de la lista."
    if errors:
        raise WebhookError(next(iter(errors.values())) if len(errors) == 1
                           else "Revisa los campos marcados.", errors)
    return EndpointData(url=url, description=description, events=events)


def create(actor: User, cetpro_id: int, data: EndpointData) -> WebhookEndpoint:
    """A new active endpoint of the CETPRO, with a new secret (shown once by the page)."""
    clean = _clean(data)
    count = db.session.scalar(select(func.count()).select_from(WebhookEndpoint)
                              .where(WebhookEndpoint.cetpro_id == cetpro_id))
    if count >= MAX_PER_CETPRO:
        raise WebhookError(f"Tu CETPRO ya tiene {MAX_PER_CETPRO} webhooks: elimina uno que no uses antes de crear otro.")
    endpoint = WebhookEndpoint(cetpro_id=cetpro_id, url=clean.url, description=clean.description,
                               events=clean.events, secret=new_secret(), paused=False, created_by_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    audit("webhook.created", endpoint, actor, cetpro_id=cetpro_id, url=clean.url, events=clean.events)
    db.session.commit()
    return endpoint


def update(actor: User, endpoint: WebhookEndpoint, data: EndpointData) -> WebhookEndpoint:
    clean = _clean(data)
    endpoint.url, endpoint.description, endpoint.events = clean.url, clean.description, clean.events
    audit("webhook.updated", endpoint, actor, cetpro_id=endpoint.cetpro_id, url=clean.url, events=clean.events)
    db.session.commit()
    return endpoint


def set_paused(actor: User, endpoint: WebhookEndpoint, paused: bool) -> bool:
    """Pause (no new events are queued, queued ones wait) or resume; False if already so."""
    if endpoint.paused == paused:
        return False
    endpoint.paused = paused
    audit("webhook.paused" if paused else "webhook.resumed", endpoint, actor, cetpro_id=endpoint.cetpro_id)
    db.session.commit()
    return True


def rotate(actor: User, endpoint: WebhookEndpoint) -> str:
    """A new secret; the current one keeps signing for GRACE. Returns the new secret."""
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, utcnow() + GRACE
    endpoint.secret = new_secret()
    audit("webhook.secret_rotated", endpoint, actor, cetpro_id=endpoint.cetpro_id)
    db.session.commit()
    return endpoint.secret


def remove(actor: User, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log."""
    audit("webhook.deleted", endpoint, actor, cetpro_id=endpoint.cetpro_id, url=endpoint.url)
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.commit()


def redeliver(actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue the same event again for the same endpoint (a new delivery, the same event id
    and payload, so the receiving system can tell it already had it)."""
    again = WebhookDelivery(endpoint_id=delivery.endpoint_id, event=delivery.event, event_id=delivery.event_id,
                            payload=delivery.payload, state="pending", attempts=0, next_attempt_at=utcnow())
    db.session.add(again)
    db.session.flush()
    audit("webhook.redelivered", delivery.endpoint, actor, cetpro_id=delivery.endpoint.cetpro_id,
          delivery_id=delivery.id, new_delivery_id=again.id, event=delivery.event)
    db.session.commit()
    return again


def forget_student(student_id: int, cetpro_id: int) -> int:
    """An erased account (privacy.deletion): her CETPRO's deliveries that carry her data go,
    sent or not (what its system already received is the CETPRO's own record); how many."""
    endpoints = select(WebhookEndpoint.id).where(WebhookEndpoint.cetpro_id == cetpro_id)
    rows = db.session.execute(select(WebhookDelivery.id, WebhookDelivery.payload)
                              .where(WebhookDelivery.endpoint_id.in_(endpoints)))
    ids = [row_id for row_id, payload in rows
           if ((payload or {}).get("data") or {}).get("student", {}).get("id") == student_id]
    for start in range(0, len(ids), 500):
        db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids[start:start + 500])))
    return len(ids)
