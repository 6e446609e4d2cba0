"""Which tables the statements executed meanwhile name: what an in-memory index reads, to
compare with what its data version watches (portal/versions.py)."""
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import ColumnClause, TableClause

from portal.extensions import db


def tables_of(statement) -> set[str]:
    """Every table a statement names: in its FROM clauses, joins, subqueries and columns."""
    found = set()
    for element in visitors.iterate(statement):
        if isinstance(element, TableClause):
            found.add(element.name)
        elif isinstance(element, ColumnClause) and isinstance(element.table, TableClause):
            found.add(element.table.name)
    return found


@contextmanager
def recording():
    """The tables named by every statement executed meanwhile, through any session or connection."""
    read: set[str] = set()

    def record(conn, statement, multiparams, params, execution_options):
        read.update(tables_of(statement))

    event.listen(db.engine, "before_execute", record)
    try:
        yield read
    finally:
        event.remove(db.engine, "before_execute", record)
