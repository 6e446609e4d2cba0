"""certificates: ix_certificates_module_id also holds each certificate's state and student

Matching reads a module's holders by module: the certified-first bound of Recomendados
counts, per student, her certificates in force of the opening's modules, and the holders'
counts read certificates by module too. With the state and the student in the module index
those reads come from the index alone (an index-only scan on PostgreSQL, a covering index
on SQLite), instead of one read of each certificate's row (1,654 rows over 744 pages for
the bench's 5x opening). Same leading column, so every other use of the old index is
served as before.

Revision ID: 0033_certificate_holders
Revises: 0032_coord_indexes
Create Date: 2026-12-05 07:55:00

"""
from alembic import op

revision = "0033_certificate_holders"
down_revision = "0032_coord_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_certificates_module_id", table_name="certificates")
    op.create_index("ix_certificates_module_id", "certificates", ["module_id", "state", "student_id"])


def downgrade():
    op.drop_index("ix_certificates_module_id", table_name="certificates")
    op.create_index("ix_certificates_module_id", "certificates", ["module_id"])
