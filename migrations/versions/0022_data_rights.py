"""data rights: a person's request to delete their account, and the tombstone it leaves

users.deletion_requested_at / deletion_due_at: the person asked to delete the account
(Ley 29733); the worker erases it once the grace period ends (deletion_due_at, indexed
for that job and /admin/eliminaciones). users.deleted_at: the row is a tombstone, its
personal data erased, kept so placements and reports still count the person.

Revision ID: 0022_data_rights
Revises: 0018_catalogue
Create Date: 2026-12-03 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0022_data_rights'
down_revision = '0018_catalogue'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('deletion_requested_at', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('deletion_due_at', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('deleted_at', sa.DateTime(), nullable=True))
    op.create_index(op.f('ix_users_deletion_due_at'), 'users', ['deletion_due_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_users_deletion_due_at'), table_name='users')
    op.drop_column('users', 'deleted_at')
    op.drop_column('users', 'deletion_due_at')
    op.drop_column('users', 'deletion_requested_at')
