"""outbox retries: a failed email waits for its next attempt, and a given-up one is kept

outbox_emails.next_attempt_at: when a failed send is tried again (backoff 1, 5, 30 min,
2 h, 12 h); outbox_emails.failed_at: set after the last retry, so the email stays visible
to admins with its error instead of silently dropping out of the queue. Emails that had
already used up the old five immediate attempts are marked failed now.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-03 02:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_emails') as batch:
        batch.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('failed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE outbox_emails SET failed_at = created_at "
               "WHERE sent_at IS NULL AND attempts >= 5")


def downgrade():
    with op.batch_alter_table('outbox_emails') as batch:
        batch.drop_column('failed_at')
        batch.drop_column('next_attempt_at')
