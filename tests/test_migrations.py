"""The Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from portal.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_one_application_per_student_and_opening_is_a_database_constraint(app):
    constraints = inspect(db.engine).get_unique_constraints("applications")
    assert any(sorted(c["column_names"]) == ["opening_id", "student_id"] for c in constraints)
