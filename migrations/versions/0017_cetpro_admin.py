"""cetpro administration: UGEL/DRE, programmes taught, coordinator invitations

cetpros.ugel: the UGEL or DRE a CETPRO answers to. cetpro_programmes: the programmes of
the catalogue a CETPRO teaches. coordinator_invitations: the emailed single-use links an
admin sends to make someone a coordinator of a CETPRO (portal/cetpros/invitations.py).

Revision ID: 0017_cetpro_admin
Revises: 0020_moderation
Create Date: 2026-12-03 09:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017_cetpro_admin'
down_revision = '0020_moderation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cetpros', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ugel', sa.String(length=120), server_default='', nullable=False))

    op.create_table('cetpro_programmes',
    sa.Column('cetpro_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cetpro_id'], ['cetpros.id'], name=op.f('fk_cetpro_programmes_cetpro_id_cetpros'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'],
                            name=op.f('fk_cetpro_programmes_programme_id_programmes')),
    sa.PrimaryKeyConstraint('cetpro_id', 'programme_id', name=op.f('pk_cetpro_programmes'))
    )
    with op.batch_alter_table('cetpro_programmes', schema=None) as batch_op:
        batch_op.create_index('ix_cetpro_programmes_programme', ['programme_id', 'cetpro_id'], unique=False)

    op.create_table('coordinator_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cetpro_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'accepted', 'revoked')",
                       name=op.f('ck_coordinator_invitations_state_valid')),
    sa.ForeignKeyConstraint(['cetpro_id'], ['cetpros.id'], name=op.f('fk_coordinator_invitations_cetpro_id_cetpros')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                            name=op.f('fk_coordinator_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_coordinator_invitations_ended_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coordinator_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordinator_invitations'))
    )
    with op.batch_alter_table('coordinator_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordinator_invitations_cetpro_id'), ['cetpro_id'], unique=False)
        batch_op.create_index('ix_coordinator_invitations_pending', ['cetpro_id', 'email'], unique=True,
                              sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))


def downgrade():
    with op.batch_alter_table('coordinator_invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_coordinator_invitations_pending')
        batch_op.drop_index(batch_op.f('ix_coordinator_invitations_cetpro_id'))
    op.drop_table('coordinator_invitations')
    with op.batch_alter_table('cetpro_programmes', schema=None) as batch_op:
        batch_op.drop_index('ix_cetpro_programmes_programme')
    op.drop_table('cetpro_programmes')
    with op.batch_alter_table('cetpros', schema=None) as batch_op:
        batch_op.drop_column('ugel')
