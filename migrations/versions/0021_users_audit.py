"""users and audit trail: indexes for the audit trail's pages

/admin/auditoria and /coordinador/auditoria read the trail newest first, all of it or
filtered by actor or action: an index for each of those orders. Last sign-in already has
its column (users.last_login_at).

Revision ID: 0021_users_audit
Revises: 0022_data_rights
Create Date: 2026-12-03 09:40:00

"""
from alembic import op

revision = "0021_users_audit"
down_revision = '0022_data_rights'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_events_created", "audit_events", ["created_at", "id"])
    op.create_index("ix_audit_events_actor_created", "audit_events", ["actor_id", "created_at"])
    op.create_index("ix_audit_events_action_created", "audit_events", ["action", "created_at"])


def downgrade():
    op.drop_index("ix_audit_events_action_created", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_created", table_name="audit_events")
    op.drop_index("ix_audit_events_created", table_name="audit_events")
