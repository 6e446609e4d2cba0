"""worker jobs: each periodic job's lease and last run

jobs: one row per job of the worker process (flask --app wsgi worker): its title and
period, a lease (owner, until) that keeps two workers from running it at once or the same
slot twice, and its last start, end, outcome, count and error, for /salud and
/admin/tareas.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 06:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('period_seconds', sa.Integer(), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.Column('lease_owner', sa.String(length=100), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('last_slot', sa.DateTime(), nullable=True),
        sa.Column('last_started_at', sa.DateTime(), nullable=True),
        sa.Column('last_finished_at', sa.DateTime(), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('last_outcome', sa.String(length=10), nullable=True),
        sa.Column('last_count', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_jobs')),
    )


def downgrade():
    op.drop_table('jobs')
