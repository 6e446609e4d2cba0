"""matching reads candidates from an index alone

A ranking for one opening reads every open-to-offers student of the opening's
programmes (about 2,000 nationally for an opening that targets every CETPRO at the
large scale): with only (programme_id, open_to_offers) indexed, each of them cost a
lookup in the table for the columns the hard filters and the score read. This index
holds those columns and replaces the narrower one (same leading columns).

The requirements met are counted from the other side: which students hold each module
(or skill) the opening asks for, a few hundred rows per module nationwide, read through
reverse indexes on the two association tables.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 06:05:00

"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLUMNS = ['programme_id', 'open_to_offers', 'status', 'graduation_date', 'verification_state', 'cetpro_id',
           'level', 'department_code', 'province_code']


def upgrade():
    op.create_index('ix_student_profiles_matching', 'student_profiles', COLUMNS)
    op.drop_index('ix_student_profiles_programme_open', table_name='student_profiles')
    op.create_index('ix_student_modules_module', 'student_modules', ['module_id', 'student_id'])
    op.create_index('ix_student_skills_normalized', 'student_skills', ['normalized', 'student_id'])


def downgrade():
    op.drop_index('ix_student_skills_normalized', table_name='student_skills')
    op.drop_index('ix_student_modules_module', table_name='student_modules')
    op.create_index('ix_student_profiles_programme_open', 'student_profiles', ['programme_id', 'open_to_offers'])
    op.drop_index('ix_student_profiles_matching', table_name='student_profiles')
