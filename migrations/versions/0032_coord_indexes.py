"""coordinator pages: ix_audit_events_object also holds each event's time and id

A coordinator's audit trail finds its CETPRO's events by object (`audit.of_cetpro`: one
lookup per student, application, placement…) and pages them by time. With the time and
the id in the object index those lookups are answered from the index alone (an index-only
scan on PostgreSQL, a covering index on SQLite), instead of one read of the event's row
each (2,165 for the large set's first CETPRO). Same leading columns, so every other use of
the old index is served as before.

Revision ID: 0032_coord_indexes
Revises: 0031_api_tokens
Create Date: 2026-12-04 20:30:00

"""
from alembic import op

revision = "0032_coord_indexes"
down_revision = "0031_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id", "created_at", "id"])


def downgrade():
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"])
