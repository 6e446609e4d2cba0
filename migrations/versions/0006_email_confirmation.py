"""email confirmation: users.email_confirmed_at

A self-registered account waits for its owner to open the emailed link before anyone
can sign in with it (no user enumeration through registration). Every account that
exists already was made before this rule: it counts as confirmed since it was created.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE users SET email_confirmed_at = created_at')


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email_confirmed_at')
