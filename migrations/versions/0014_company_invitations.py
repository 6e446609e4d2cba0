"""company invitations are rows: an owner can revoke one, and a used one stops working

company_invitations: one row per invited email and company (pending, accepted or revoked);
the emailed link carries only the row's id, signed. Links emailed before this migration
carried the company and the email instead and are no longer accepted (they asked for a new
invitation, as an expired link does).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 06:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('company_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'accepted', 'revoked')",
                       name=op.f('ck_company_invitations_state_valid')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_invitations_company_id_companies')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_company_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_company_invitations_ended_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_invitations'))
    )
    with op.batch_alter_table('company_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_company_invitations_company_id'), ['company_id'], unique=False)


def downgrade():
    with op.batch_alter_table('company_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_invitations_company_id'))
    op.drop_table('company_invitations')
