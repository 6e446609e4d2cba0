"""company identity: a renamed company is verified again; a CETPRO speaks for itself

companies.identity_changed_at: set when a verified company changes its razón social; the
company goes back to the verification queue and its published openings are marked
"pendiente de re-verificación" until an admin or a CETPRO decides again.

company_endorsements: one CETPRO's statement about a company (verified or rejected, with
its reason), shown as "Verificada por CETPRO X". companies.decided_by_admin: the
platform-wide state is an admin's decision, which no CETPRO's statement moves.

Existing decisions: one made by a coordinator becomes her CETPRO's statement (a rejection
by a coordinator alone no longer rejects the company for the whole platform: it waits for
an admin, with the CETPRO's reason in view); any other decision counts as the platform's.

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

BY_COORDINATOR = "SELECT id FROM users WHERE role = 'coordinator' AND cetpro_id IS NOT NULL"


def upgrade():
    op.add_column('companies', sa.Column('identity_changed_at', sa.DateTime(), nullable=True))
    op.add_column('companies', sa.Column('decided_by_admin', sa.Boolean(), server_default=sa.false(),
                                         nullable=False))
    op.create_table('company_endorsements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('cetpro_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('verified', 'rejected')", name=op.f('ck_company_endorsements_state_valid')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_endorsements_company_id_companies'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cetpro_id'], ['cetpros.id'], name=op.f('fk_company_endorsements_cetpro_id_cetpros')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_company_endorsements_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_endorsements')),
    sa.UniqueConstraint('company_id', 'cetpro_id', name=op.f('uq_company_endorsements_company_id_cetpro_id'))
    )
    op.create_index(op.f('ix_company_endorsements_cetpro_id'), 'company_endorsements', ['cetpro_id'], unique=False)
    op.execute(
        "INSERT INTO company_endorsements (company_id, cetpro_id, state, note, decided_by_id, decided_at, created_at) "
        "SELECT c.id, u.cetpro_id, c.verification_state, c.verification_note, u.id, "
        "COALESCE(c.verified_at, c.created_at), c.created_at "
        "FROM companies c JOIN users u ON u.id = c.verified_by_id "
        f"WHERE c.verification_state IN ('verified', 'rejected') AND u.id IN ({BY_COORDINATOR})")
    op.execute("UPDATE companies SET verification_state = 'unverified', verification_note = NULL "
               f"WHERE verification_state = 'rejected' AND verified_by_id IN ({BY_COORDINATOR})")
    op.execute("UPDATE companies SET decided_by_admin = true WHERE verification_state IN ('verified', 'rejected') "
               f"AND (verified_by_id IS NULL OR verified_by_id NOT IN ({BY_COORDINATOR}))")


def downgrade():
    op.drop_index(op.f('ix_company_endorsements_cetpro_id'), table_name='company_endorsements')
    op.drop_table('company_endorsements')
    # Plain DROP COLUMNs (SQLite 3.35+): a batch copy of companies would trip over the
    # search triggers that read it (0002).
    op.drop_column('companies', 'decided_by_admin')
    op.drop_column('companies', 'identity_changed_at')
