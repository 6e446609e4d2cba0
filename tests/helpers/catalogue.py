"""The catalogue tables are reference data that outlive a test (tests/helpers/web.py keeps
them): a test that edits them restores them with `restored_catalogue()`."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, func, select, update

from portal.extensions import db
from portal.models import Family, Module, Programme
from tests.helpers.web import empty_tables

_COLUMNS = {
    Family: ("name", "position", "retired_at"),
    Programme: ("name", "level", "family_id", "retired_at", "merged_into_id"),
    Module: ("name", "position", "programme_id", "retired_at", "merged_into_id"),
}


@contextmanager
def restored_catalogue() -> Iterator[None]:
    """Put families, programmes and modules back as they were (the test's other rows are
    emptied first: they may hold the items the test added)."""
    saved = {model: {row[0]: row[1:] for row in db.session.execute(
        select(model.id, *[getattr(model, c) for c in columns]))} for model, columns in _COLUMNS.items()}
    last = {model: db.session.scalar(select(func.max(model.id))) or 0 for model in _COLUMNS}
    try:
        yield
    finally:
        db.session.rollback()
        empty_tables()
        for model in (Module, Programme):
            db.session.execute(update(model).values(merged_into_id=None))
        for model in (Module, Programme, Family):
            db.session.execute(delete(model).where(model.id > last[model]))
        for model, rows in saved.items():
            for id_, values in rows.items():
                db.session.execute(update(model).where(model.id == id_)
                                   .values(dict(zip(_COLUMNS[model], values, strict=True))))
        db.session.commit()
