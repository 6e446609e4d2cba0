"""Fixtures of the load tests: a fresh database per test, on PostgreSQL when DATABASE_URL
points to it, else a copy of a migrated SQLite file; and gunicorns that stop afterwards."""
from __future__ import annotations

import shutil

import pytest

from tests.load.harness import Gunicorn, build_schema, empty_tables, env_url, is_postgres


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of PostgreSQL itself (a restart, pg_dump) belong to the PostgreSQL pass only:
    on SQLite they are left out of the run (deselected, so CI never reports them skipped)."""
    if env_url() is not None:
        return
    left_out = [item for item in items if item.get_closest_marker("postgres_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]


@pytest.fixture(scope="session")
def schema_url(tmp_path_factory) -> str:
    """The migrated schema, built once per run (PostgreSQL: the public schema is reset)."""
    url = env_url() or f"sqlite:///{tmp_path_factory.mktemp('load-template') / 'template.db'}"
    build_schema(url)
    return url


@pytest.fixture
def database(schema_url, tmp_path) -> str:
    """An empty database with the reference data: a copy of the SQLite template, or the
    PostgreSQL database emptied (left as it is after the test, to look at)."""
    if is_postgres(schema_url):
        empty_tables(schema_url)
        return schema_url
    path = tmp_path / "load.db"
    shutil.copyfile(schema_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def label(schema_url) -> str:
    return "PostgreSQL" if is_postgres(schema_url) else "SQLite"


@pytest.fixture
def servers(tmp_path):
    """Start gunicorns with `servers(url, workers=4, env={...})`; all stop after the test."""
    started: list[Gunicorn] = []

    def start(url: str, workers: int = 4, env: dict | None = None, name: str = "gunicorn") -> Gunicorn:
        server = Gunicorn(url, tmp_path, workers=workers, env=env, name=name)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
