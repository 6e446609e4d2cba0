"""API tokens: make (the secret shown once, its SHA-256 kept), revoke, and authenticate.

A token reads `ecp_` followed by 43 characters of `secrets.token_urlsafe(32)` (256 bits):
the prefix lets a secret scanner or a person recognise it; a guess is hopeless, so a plain
SHA-256 (no slow hash) is what is kept, and the lookup is one indexed equality."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from portal import vocab
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.models import ApiIdempotencyKey, ApiToken, Cetpro, User

PREFIX = "ecp_"
SHOWN = 12  # characters of the secret kept to name it («ecp_Ab3dE6gH»)


class TokenError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass
class TokenData:
    name: str
    scopes: list[str]
    days: int


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check(data: TokenData) -> TokenData:
    errors = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = "Escribe un nombre para el token (por ejemplo «SIGA CETPRO»)."
    elif len(name) > 80:
        errors["name"] = "El nombre puede tener hasta 80 caracteres."
    scopes = [s for s in vocab.API_SCOPES if s in (data.scopes or [])]
    if not scopes or len(scopes) != len(set(data.scopes or [])):
        errors["scopes"] = "Elige al menos un permiso de la lista."
    if data.days not in vocab.API_TOKEN_DAYS:
        errors["days"] = "Elige cuánto dura el token: 30, 90, 180 días o 1 año."
    if errors:
        raise TokenError(errors)
    return TokenData(name=name, scopes=scopes, days=data.days)


def create(cetpro: Cetpro, actor: User, data: TokenData) -> tuple[ApiToken, str]:
    """Make a token of `cetpro`; returns it and its secret (never kept: shown once). Committed."""
    data = _check(data)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(cetpro_id=cetpro.id, name=data.name, prefix=secret[:SHOWN], secret_hash=digest(secret),
                     scopes=" ".join(data.scopes), expires_at=utcnow() + timedelta(days=data.days),
                     created_by_id=actor.id)
    db.session.add(token)
    db.session.flush()
    audit("api_token.created", token, actor, cetpro_id=cetpro.id, name=token.name, prefix=token.prefix,
          scopes=data.scopes, days=data.days)
    db.session.commit()
    return token, secret


def revoke(token: ApiToken, actor: User) -> bool:
    """Revoke `token` (at once: its next call is refused); False if it already was. Committed."""
    if token.revoked_at is not None:
        return False
    token.revoked_at, token.revoked_by_id = utcnow(), actor.id
    audit("api_token.revoked", token, actor, cetpro_id=token.cetpro_id, name=token.name, prefix=token.prefix)
    db.session.commit()
    return True


def authenticate(secret: str) -> ApiToken | None:
    """The live token (not revoked, not expired) whose secret this is, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == digest(secret)))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    return token


IDEMPOTENCY_MAX_AGE = timedelta(hours=24)


def purge_idempotency_keys() -> int:
    """The nightly retention job's part: the answers kept for Idempotency-Keys older than a
    day (they hold the rows' DNIs); committed. How many went."""
    removed = db.session.execute(delete(ApiIdempotencyKey).where(
        ApiIdempotencyKey.created_at < utcnow() - IDEMPOTENCY_MAX_AGE)).rowcount or 0
    db.session.commit()
    return removed


def state(token: ApiToken, now: datetime | None = None) -> str:
    """«activo», «revocado» or «vencido», as the tokens page shows it."""
    if token.revoked_at is not None:
        return "revocado"
    return "vencido" if token.expires_at <= (now or utcnow()) else "activo"
