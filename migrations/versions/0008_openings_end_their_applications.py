"""openings end their applications: two reasons the system gives, a deadline warning

When an opening is suspended or expires, its open applications are rejected by the
system with a reason of their own ("opening_suspended", "opening_expired"), so the
CHECK constraint on applications.rejection_reason accepts them. The employer is warned
once before the deadline passes with undecided applicants: openings.deadline_warned_at.

On SQLite the applications table is rebuilt (batch mode), which placements reference:
migrations/env.py turns foreign key enforcement off for the run, as SQLite requires, and
checks every foreign key once the run committed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BEFORE = ('profile_mismatch', 'missing_modules', 'schedule', 'location', 'position_filled', 'process_finished',
          'other')
AFTER = BEFORE + ('opening_suspended', 'opening_expired')


def _reasons(codes) -> str:
    return "rejection_reason IS NULL OR rejection_reason IN ({})".format(", ".join(f"'{c}'" for c in codes))


def _replace_reasons(codes) -> None:
    with op.batch_alter_table('applications') as batch:
        batch.drop_constraint(op.f('ck_applications_rejection_reason_valid'), type_='check')
        batch.create_check_constraint(op.f('ck_applications_rejection_reason_valid'), _reasons(codes))


def upgrade():
    _replace_reasons(AFTER)
    op.add_column('openings', sa.Column('deadline_warned_at', sa.DateTime(), nullable=True))


def downgrade():
    # Not in batch mode: recreating openings on SQLite would break the search triggers (0002)
    # that name it; SQLite drops a column in place since 3.35.
    op.drop_column('openings', 'deadline_warned_at')
    op.execute("UPDATE applications SET rejection_reason = 'process_finished' "
               "WHERE rejection_reason IN ('opening_suspended', 'opening_expired')")
    _replace_reasons(BEFORE)
