"""the CV generated from the profile: what the student adds to it, and what it shows

cv_experiences: a job, práctica or self-employment the student adds herself (kind, role,
employer, start and end dates, a short description); removed with her profile.
cv_preferences (one row per student, optional): whether the generated CV shows her email and
her phone, and which CV employers see when she also uploaded one (subido / generado).

Revision ID: 0030_cv_generated
Revises: 0029_credential_status
Create Date: 2026-12-04 13:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0030_cv_generated'
down_revision = '0029_credential_status'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cv_experiences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('role', sa.String(length=120), nullable=False),
        sa.Column('employer', sa.String(length=160), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('description', sa.String(length=400), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('empleo', 'practica', 'independiente')",
                           name=op.f('ck_cv_experiences_kind_valid')),
        sa.CheckConstraint('end_date IS NULL OR end_date >= start_date',
                           name=op.f('ck_cv_experiences_dates_in_order')),
        sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'],
                                name=op.f('fk_cv_experiences_student_id_student_profiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cv_experiences')),
    )
    op.create_index(op.f('ix_cv_experiences_student_id'), 'cv_experiences', ['student_id'], unique=False)
    op.create_table(
        'cv_preferences',
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('show_email', sa.Boolean(), nullable=False),
        sa.Column('show_phone', sa.Boolean(), nullable=False),
        sa.Column('shown', sa.String(length=10), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("shown IN ('subido', 'generado')", name=op.f('ck_cv_preferences_shown_valid')),
        sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'],
                                name=op.f('fk_cv_preferences_student_id_student_profiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('student_id', name=op.f('pk_cv_preferences')),
    )


def downgrade():
    op.drop_table('cv_preferences')
    op.drop_index(op.f('ix_cv_experiences_student_id'), table_name='cv_experiences')
    op.drop_table('cv_experiences')
