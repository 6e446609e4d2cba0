"""reverse lookups on the opening association tables

Which openings accept a programme, and which target a CETPRO: without these, SQLite
scanned opening_programmes and built a throwaway index on opening_cetpros for every
student's recommendations (measured: the first statement of /estudiante/recomendadas).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 01:50:00

"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_opening_programmes_programme', 'opening_programmes', ['programme_id', 'opening_id'])
    op.create_index('ix_opening_cetpros_cetpro', 'opening_cetpros', ['cetpro_id', 'opening_id'])


def downgrade():
    op.drop_index('ix_opening_cetpros_cetpro', table_name='opening_cetpros')
    op.drop_index('ix_opening_programmes_programme', table_name='opening_programmes')
