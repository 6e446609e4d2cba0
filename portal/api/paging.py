"""Keyset pages for the API's lists: `limit` rows after the `cursor` (the last id seen),
so a page never skips or repeats a row when others are added meanwhile."""
from __future__ import annotations

from pydantic import BaseModel, Field

MAX_LIMIT = 200


class ListQuery(BaseModel):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"Cuántos por página (1 a {MAX_LIMIT}; 50 por defecto).")
    cursor: str | None = Field(None, pattern=r"^[1-9][0-9]{0,8}$",
                               description="El `next_cursor` de la página anterior (opaco: no lo construyas).")


def after(cursor: str | None) -> int:
    """The id a page starts after (0: the first page); the query's model checked its form."""
    return int(cursor) if cursor else 0


def next_cursor(ids: list[int], limit: int, fetched: int) -> str | None:
    """The cursor of the next page, when one more row than `limit` was found."""
    return str(ids[limit - 1]) if fetched > limit else None
