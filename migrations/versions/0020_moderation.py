"""moderation: how a report was settled, why an opening is suspended, suspended companies

opening_reports.outcome: dismissed or acted (NULL while open). Reports settled before this
revision were all settled by suspending their opening: they become "acted".
openings.suspension_source: staff, automatic (REPORT_SUSPEND_THRESHOLD open reports from
different people, pending review) or company (suspended with its company). Openings already
suspended were suspended by staff.
companies.suspended_at, companies.suspension_reason: a company suspended by an admin; its
members cannot publish until it is reinstated.

Revision ID: 0020_moderation
Revises: 0016
Create Date: 2026-12-03 09:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0020_moderation'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('opening_reports', sa.Column('outcome', sa.String(length=12), nullable=True))
    op.add_column('openings', sa.Column('suspension_source', sa.String(length=12), nullable=True))
    op.add_column('companies', sa.Column('suspended_at', sa.DateTime(), nullable=True))
    op.add_column('companies', sa.Column('suspension_reason', sa.String(length=500), nullable=True))
    op.execute("UPDATE opening_reports SET outcome = 'acted' WHERE resolved_at IS NOT NULL")
    op.execute("UPDATE openings SET suspension_source = 'staff' WHERE state = 'suspended'")


def downgrade():
    # Plain DROP COLUMNs (SQLite 3.35+): a batch copy of companies or openings would trip over
    # the search triggers that read them (0002).
    op.drop_column('companies', 'suspension_reason')
    op.drop_column('companies', 'suspended_at')
    op.drop_column('openings', 'suspension_source')
    op.drop_column('opening_reports', 'outcome')
