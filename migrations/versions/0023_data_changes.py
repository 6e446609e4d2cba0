"""data changes: what each move of a data version changed, so a cache re-reads only that

data_changes(name, version, row_id): written with every move of a data version, in the
same transaction; row_id NULL means "anything". portal.versions trims it to the last
KEEP versions.

Revision ID: 0023_data_changes
Revises: 0021_users_audit
Create Date: 2026-12-03 16:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0023_data_changes'
down_revision = '0021_users_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_changes',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_changes')),
    )
    op.create_index('ix_data_changes_name_version', 'data_changes', ['name', 'version'], unique=False)


def downgrade():
    op.drop_index('ix_data_changes_name_version', table_name='data_changes')
    op.drop_table('data_changes')
