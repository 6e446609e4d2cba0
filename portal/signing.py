"""Signed links and cookies, and the key rotation behind them.

Everything the portal signs (emailed links: confirmation, password reset, invitations,
follow-ups; the known-device cookie) is signed with SECRET_KEY and still accepted when it
was signed with a key in SECRET_KEY_FALLBACKS. So an operator rotates the key by moving
the old one into the fallbacks: nobody is signed out (Flask reads the same setting for
its session cookie) and no emailed link dies; once the longest link has expired (7 days),
the fallback is removed. CSRF tokens are the exception: a form opened before the rotation
asks for a reload (Flask-WTF signs with the current key only).
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import URLSafeTimedSerializer


def keys() -> list[str | bytes]:
    """Every key a signature may carry, the current one last (itsdangerous signs with it)."""
    return [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.config["SECRET_KEY"]]


def serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys(), salt=salt)


def _digest(key: str | bytes, message: bytes) -> str:
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def digest(message: bytes) -> str:
    """HMAC-SHA256 of `message` with the current key (hex)."""
    return _digest(keys()[-1], message)


def digests(message: bytes) -> list[str]:
    """The HMAC under every accepted key, current first: what a stored digest may equal."""
    return [_digest(key, message) for key in reversed(keys())]
