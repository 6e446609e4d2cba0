"""data versions: counters that caches in every process compare (portal.versions)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 02:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_versions',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions')),
    )
    op.bulk_insert(table, [{'name': 'openings', 'value': 1}])


def downgrade():
    op.drop_table('data_versions')
