"""On PostgreSQL a transaction that only read ends with COMMIT, so the statements psycopg
prepared outlive it.

psycopg prepares a statement on its connection once it has run it `prepare_threshold`
times (5), and PostgreSQL then parses and plans it once instead of on every run: a
statement of Recomendados at five times the set spent 1.8 ms planning a 1.6 ms read. But
psycopg forgets, and deallocates, every statement it prepared on ROLLBACK (a rollback may
undo the schema they were planned on), and every request's session ends with one
(`Session.close`), so nothing stayed prepared past a request. A transaction that wrote
nothing leaves the database the same whether it commits or rolls back, and COMMIT keeps
them: Recomendados of the bench's 5x opening, in process, p50 33.5 → 28.9 ms (2026-12-05).

What wrote is known from the statements themselves: any statement but a `SELECT`, or a
`WITH` query with no INSERT, UPDATE, DELETE or MERGE inside, marks the transaction (so do a
SAVEPOINT and a statement in lower case), which then rolls back as before; so do a failed
transaction and a lost connection. Reads outside SQLAlchemy's execution (portal.versions' `reader_on`) run on a
connection in autocommit mode, never in such a transaction.

A pooler between the app and PostgreSQL must keep prepared statements working: session
pooling, or PgBouncer 1.21 or later with `max_prepared_statements` set (README, production).
"""
from __future__ import annotations

import re

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

WROTE = "enlace_transaction_wrote"  # in the connection's info: this transaction may have written


def keep_prepared(engine: Engine) -> None:
    """Install on this engine, if it is PostgreSQL's: a transaction that only read commits."""
    if engine.dialect.name != "postgresql" or event.contains(engine, "rollback", _rollback):
        return
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "rollback", _rollback)
    event.listen(engine, "commit", _forget)


# A WITH query that changes rows: one of its parts is an INSERT, UPDATE, DELETE or MERGE.
_MODIFYING = re.compile(r"\(\s*(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def _note_write(connection, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    if not (statement.startswith("SELECT ") or statement.startswith("WITH ") and not _MODIFYING.search(statement)):
        connection.info[WROTE] = True


def _rollback(connection) -> None:
    """Before SQLAlchemy rolls back: commit instead when nothing was written, and the
    driver's rollback that follows finds no transaction (psycopg then keeps its statements)."""
    if connection.invalidated or connection.info.pop(WROTE, False):
        return  # a lost connection (its info goes with it), or a transaction that wrote
    driver = connection.connection.driver_connection
    if driver is not None and driver.info.transaction_status == TransactionStatus.INTRANS:
        try:
            driver.commit()
        except psycopg.Error:  # the connection is gone (a restart): the rollback meets it as before
            pass


def _forget(connection) -> None:
    if not connection.invalidated:
        connection.info.pop(WROTE, None)
