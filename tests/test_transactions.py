"""How a transaction ends (portal/transactions.py): on PostgreSQL one that only read commits,
so the statements psycopg prepared stay prepared for the next request; one that wrote, or
failed, still rolls back, and nothing it wrote stays."""
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.models import Cetpro
from tests import factories

PREPARED = text("SELECT count(*) FROM pg_prepared_statements")


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _read_often(connection) -> None:
    for _ in range(8):  # psycopg prepares a statement run more than 5 times on a connection
        connection.execute(select(Cetpro.name).where(Cetpro.id == 1)).all()


def test_statements_prepared_in_a_read_outlive_its_transaction(app):
    with db.engine.connect() as connection:
        _read_often(connection)
        connection.rollback()  # how every request's session ends
        # SQLite prepares nothing on the server, and its rollbacks are left as they are.
        assert connection.execute(PREPARED).scalar() >= 1 if _postgresql() else \
            connection.execute(select(Cetpro.id)).all() is not None


def test_a_with_query_that_only_reads_keeps_them_too(app):
    with db.engine.connect() as connection:
        _read_often(connection)
        connection.execute(text("WITH named AS MATERIALIZED (SELECT id, name AS updated FROM cetpros) "
                                "SELECT count(*) FROM named")).scalar()
        connection.rollback()
        assert connection.execute(PREPARED).scalar() >= 1 if _postgresql() else \
            connection.execute(select(Cetpro.id)).all() is not None


def test_a_request_that_only_read_leaves_its_statements_prepared(app, client):
    opening = factories.opening()
    db.session.commit()
    for _ in range(8):
        assert client.get(f"/ofertas/{opening.id}").status_code == 200
    if _postgresql():
        db.session.remove()
        with db.engine.connect() as connection:  # the pool's one connection, the pages'
            statements = connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        assert any("FROM openings" in statement for statement in statements)


def _renamed() -> int:
    return db.session.scalar(select(func.count()).where(Cetpro.name == "Rollback SAC"))


@pytest.mark.parametrize("write", [
    lambda cetpro: setattr(cetpro, "name", "Rollback SAC"),  # the ORM's UPDATE, at the flush
    lambda cetpro: db.session.add(Cetpro(name="Rollback SAC", codigo_modular="0999999", department_code="04",
                                         province_code="0401", management="publica")),  # an INSERT
    lambda cetpro: db.session.execute(update(Cetpro).values(name="Rollback SAC")),
    lambda cetpro: db.session.execute(text("   update cetpros set name = 'Rollback SAC'")),
])
def test_a_transaction_that_wrote_rolls_back_whole(app, write):
    cetpro = factories.cetpro()
    db.session.commit()
    with db.engine.connect() as connection:
        _read_often(connection)  # statements prepared before the write
        connection.commit()
    db.session.execute(select(Cetpro.id)).all()  # a read first: the transaction is not a write from its start
    write(cetpro)
    db.session.flush()
    db.session.rollback()
    assert _renamed() == 0


def test_a_with_query_that_changes_rows_rolls_back(app):
    """PostgreSQL runs an UPDATE inside a WITH query; SQLite refuses it, and changes nothing."""
    factories.cetpro()
    db.session.commit()
    db.session.execute(select(Cetpro.id)).all()
    renaming = text("WITH renamed AS (UPDATE cetpros SET name = 'Rollback SAC' RETURNING id) "
                    "SELECT count(*) FROM renamed")
    if _postgresql():
        assert db.session.execute(renaming).scalar() >= 1
    else:
        with pytest.raises(DBAPIError):
            db.session.execute(renaming)
    db.session.rollback()
    assert _renamed() == 0


def test_a_transaction_that_failed_rolls_back_and_the_connection_reads_again(app):
    cetpro = factories.cetpro()
    db.session.commit()
    cetpro.name = "Rollback SAC"
    db.session.flush()
    with pytest.raises(DBAPIError):
        db.session.execute(text("SELECT no_such_column FROM cetpros")).all()
    db.session.rollback()
    assert _renamed() == 0
    assert db.session.get(Cetpro, cetpro.id).name != "Rollback SAC"
