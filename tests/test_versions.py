"""The listing fast path's read of a version (portal/versions.py: `reader_on`), on its own
autocommit connection: each read sees the last commit, and a connection the server closed
raises rather than answering a version (the fast path then hands the request to Flask)."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from portal import versions
from portal.extensions import db


@pytest.fixture
def reading(app):
    engine = create_engine(db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    connection = engine.connect()
    yield connection
    connection.invalidate()
    engine.dispose()


def test_each_read_sees_the_last_commit_made_elsewhere(app, reading):
    read = versions.reader_on(reading, "openings")
    before = read()
    assert before == versions.current_on(reading, "openings")
    for expected in (before + 1, before + 2):
        versions.bump(db.session, "openings")
        assert read() == expected - 1  # not committed yet: not seen
        db.session.commit()
        assert read() == expected
    assert versions.reader_on(reading, "no such counter")() == 0


def test_a_connection_the_server_closed_raises(app, reading):
    read = versions.reader_on(reading, "openings")
    read()
    if db.engine.dialect.name == "postgresql":
        pid = reading.connection.driver_connection.info.backend_pid
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    else:
        reading.connection.driver_connection.close()
    with pytest.raises(Exception, match="(?i)closed|terminat|connection"):
        read()
