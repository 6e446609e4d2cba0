"""Reads of API tokens, always within one CETPRO."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiToken


def of_cetpro(cetpro_id: int) -> list[ApiToken]:
    """A CETPRO's tokens, newest first (revoked and expired ones too: they stay on record)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.cetpro_id == cetpro_id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_of(cetpro_id: int, token_id: int) -> ApiToken | None:
    """One token of this CETPRO (another CETPRO's does not exist here)."""
    return db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.cetpro_id == cetpro_id))
