"""credential status: each certificate's bit in the published revocation list

certificates.status_index (NOT NULL, unique): its position in the W3C Bitstring Status List
the portal signs at /credenciales/estado/<n> (list n holds indexes (n-1)*131072 … n*131072-1).
Existing certificates get distinct random indexes in the first list (the app draws new ones
at random too, portal/models.py free_status_index).

Revision ID: 0029_credential_status
Revises: 0028_webhooks
Create Date: 2026-12-04 13:55:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0029_credential_status'
down_revision = '0028_webhooks'
branch_labels = None
depends_on = None

STATUS_LIST_SIZE = 131_072


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
    connection = op.get_bind()
    ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM certificates ORDER BY id"))]
    span = STATUS_LIST_SIZE * (1 + len(ids) // (STATUS_LIST_SIZE // 2))
    chosen: set[int] = set()
    for certificate_id in ids:
        index = secrets.randbelow(span)
        while index in chosen:
            index = secrets.randbelow(span)
        chosen.add(index)
        connection.execute(sa.text("UPDATE certificates SET status_index = :index WHERE id = :id"),
                           {"index": index, "id": certificate_id})
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('status_index', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(op.f('uq_certificates_status_index'), ['status_index'])


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_certificates_status_index'), type_='unique')
        batch_op.drop_column('status_index')
