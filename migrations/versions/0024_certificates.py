"""certificates: the certificados modulares a CETPRO registers for its students

certificates(code, student, module, CETPRO, number, issued_on, state vigente/revocado,
revoked_at/by, reason): checked by anyone at /verificar/<code>; revoked, never deleted.
A registry number is unique within its CETPRO.

Revision ID: 0024_certificates
Revises: 0023_data_changes
Create Date: 2026-12-03 20:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0024_certificates'
down_revision = '0023_data_changes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('cetpro_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('revoke_reason', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("state IN ('vigente', 'revocado')", name=op.f('ck_certificates_state_valid')),
        sa.CheckConstraint("state = 'vigente' OR revoked_at IS NOT NULL",
                           name=op.f('ck_certificates_revoked_has_date')),
        sa.ForeignKeyConstraint(['cetpro_id'], ['cetpros.id'], name=op.f('fk_certificates_cetpro_id_cetpros')),
        sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_certificates_module_id_modules')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_certificates_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificates_revoked_by_id_users')),
        sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'],
                                name=op.f('fk_certificates_student_id_student_profiles')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
        sa.UniqueConstraint('cetpro_id', 'number', name=op.f('uq_certificates_cetpro_id_number')),
        sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    )
    op.create_index(op.f('ix_certificates_module_id'), 'certificates', ['module_id'], unique=False)
    op.create_index('ix_certificates_student_module', 'certificates', ['student_id', 'module_id'], unique=False)


def downgrade():
    op.drop_index('ix_certificates_student_module', table_name='certificates')
    op.drop_index(op.f('ix_certificates_module_id'), table_name='certificates')
    op.drop_table('certificates')
