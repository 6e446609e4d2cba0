"""covering index for the public listing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 23:20:00

"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = ['state', 'deadline', 'published_at', 'family_id', 'department_code', 'province_code',
           'kind', 'work_mode', 'pay_monthly', 'company_id']


def upgrade():
    op.create_index('ix_openings_listing', 'openings', COLUMNS, unique=False)


def downgrade():
    op.drop_index('ix_openings_listing', table_name='openings')
