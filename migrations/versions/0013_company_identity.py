"""company identity: a renamed company is verified again

companies.identity_changed_at: set when a verified company changes its razón social; the
company goes back to the verification queue and its published openings are marked
"pendiente de re-verificación" until an admin or a CETPRO decides again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 06:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('companies', sa.Column('identity_changed_at', sa.DateTime(), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of companies would trip over the
    # search triggers that read it (0002).
    op.drop_column('companies', 'identity_changed_at')
