"""outcomes: a placement's outcome category, and the category each follow-up reported

placements.outcome (NOT NULL): existing rows are migrated from their kind — "empleo" becomes
"empleo_dependiente", a Ley 28518 formative kind becomes "practica" (the kind stays as its
modality). follow_ups.outcome (nullable): existing answers are migrated from the answer —
"still_there" keeps the placement's category, "elsewhere" becomes "empleo_dependiente",
"not_working" becomes "buscando" (the latest answered one is the placement's current category).

student_profiles.sex (nullable): femenino / masculino / prefiero_no_decir, for the
seguimiento breakdown only.

Revision ID: 0026_outcomes
Revises: 0025_job_alerts
Create Date: 2026-12-03 20:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0026_outcomes'
down_revision = '0025_job_alerts'
branch_labels = None
depends_on = None

OUTCOMES = "'empleo_dependiente', 'independiente', 'practica', 'estudios', 'buscando', 'sin_informacion'"


def upgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))

    op.execute("UPDATE placements SET outcome = CASE WHEN kind = 'empleo' THEN 'empleo_dependiente' "
               "ELSE 'practica' END")
    op.execute("UPDATE follow_ups SET outcome = CASE answer "
               "WHEN 'still_there' THEN (SELECT p.outcome FROM placements p WHERE p.id = follow_ups.placement_id) "
               "WHEN 'elsewhere' THEN 'empleo_dependiente' "
               "WHEN 'not_working' THEN 'buscando' END "
               "WHERE answer IS NOT NULL")
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_check_constraint(op.f('ck_placements_outcome_valid'), f"outcome IN ({OUTCOMES})")
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sex', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(op.f('ck_student_profiles_sex_valid'),
                                         "sex IS NULL OR sex IN ('femenino', 'masculino', 'prefiero_no_decir')")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_follow_ups_outcome_valid'), f"outcome IS NULL OR outcome IN ({OUTCOMES})")


def downgrade():
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_student_profiles_sex_valid'), type_='check')
        batch_op.drop_column('sex')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_follow_ups_outcome_valid'), type_='check')
        batch_op.drop_column('outcome')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_placements_outcome_valid'), type_='check')
        batch_op.drop_column('outcome')
