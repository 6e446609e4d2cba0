"""Webhooks: the reads, always within the coordinator's own CETPRO (another CETPRO's
endpoint or delivery does not exist for her)."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User, WebhookDelivery, WebhookEndpoint

LOG_SIZE = 50


def endpoints_of(cetpro_id: int) -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.cetpro_id == cetpro_id)
                                   .order_by(WebhookEndpoint.id)))


def endpoint_of(user: User, endpoint_id: int) -> WebhookEndpoint | None:
    if user.role != "coordinator" or not user.cetpro_id:
        return None
    return db.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id,
                                                           WebhookEndpoint.cetpro_id == user.cetpro_id))


def delivery_of(user: User, delivery_id: int) -> WebhookDelivery | None:
    if user.role != "coordinator" or not user.cetpro_id:
        return None
    return db.session.scalar(select(WebhookDelivery).join(WebhookEndpoint)
                             .where(WebhookDelivery.id == delivery_id, WebhookEndpoint.cetpro_id == user.cetpro_id))


def deliveries_of(endpoint: WebhookEndpoint, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def counts_by_state(endpoint_ids: list[int]) -> dict[int, dict[str, int]]:
    """{endpoint id: {state: deliveries}} for the list page."""
    counts: dict[int, dict[str, int]] = {i: {} for i in endpoint_ids}
    if endpoint_ids:
        rows = db.session.execute(select(WebhookDelivery.endpoint_id, WebhookDelivery.state, func.count())
                                  .where(WebhookDelivery.endpoint_id.in_(endpoint_ids))
                                  .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.state))
        for endpoint_id, state, count in rows:
            counts[endpoint_id][state] = count
    return counts
