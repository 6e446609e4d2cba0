"""API test helpers."""
from __future__ import annotations


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of an API token's secret."""
    return {"Authorization": f"Bearer {secret}"}
