"""interviews: an employer member's proposal of 1–3 slots to an applicant, and attachments
(an interview's .ics) on the outbox's emails

Revision ID: 0027_interviews
Revises: 0026_outcomes
Create Date: 2026-12-04 13:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0027_interviews'
down_revision = '0026_outcomes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'interviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=12), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=False),
        sa.Column('note', sa.String(length=1000), nullable=True),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('student_message', sa.String(length=1000), nullable=True),
        sa.Column('cancel_reason', sa.String(length=500), nullable=True),
        sa.Column('starts_at', sa.DateTime(), nullable=True),
        sa.Column('ends_at', sa.DateTime(), nullable=True),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('attended', sa.Boolean(), nullable=True),
        sa.Column('reminded_24h_at', sa.DateTime(), nullable=True),
        sa.Column('reminded_2h_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("mode IN ('direccion', 'llamada', 'videollamada')", name=op.f('ck_interviews_mode_valid')),
        sa.CheckConstraint("state IN ('proposed', 'confirmed', 'reschedule', 'cancelled', 'done')",
                           name=op.f('ck_interviews_state_valid')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_interviews_application_id_applications')),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_interviews_proposed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_interviews')),
    )
    op.create_index(op.f('ix_interviews_application_id'), 'interviews', ['application_id'], unique=False)
    op.create_index('ix_interviews_state_starts', 'interviews', ['state', 'starts_at'], unique=False)
    op.create_index('ix_interviews_member_starts', 'interviews', ['proposed_by_id', 'starts_at'], unique=False)
    op.create_table(
        'interview_slots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_interview_slots_slot_ends_after_start')),
        sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], ondelete='CASCADE',
                                name=op.f('fk_interview_slots_interview_id_interviews')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_slots')),
    )
    op.create_index(op.f('ix_interview_slots_interview_id'), 'interview_slots', ['interview_id'], unique=False)
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('attachments')
    op.drop_index(op.f('ix_interview_slots_interview_id'), table_name='interview_slots')
    op.drop_table('interview_slots')
    op.drop_index('ix_interviews_member_starts', table_name='interviews')
    op.drop_index('ix_interviews_state_starts', table_name='interviews')
    op.drop_index(op.f('ix_interviews_application_id'), table_name='interviews')
    op.drop_table('interviews')
