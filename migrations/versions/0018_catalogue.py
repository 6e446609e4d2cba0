"""trade catalogue: retire and merge families, programmes and modules

families, programmes, modules: `retired_at` (a retired item stays on the records that hold
it and leaves every choice list); programmes and modules: `merged_into_id`, the item an
admin merged this one into (/admin/catalogo).

Plain ADD/DROP COLUMNs, not batch mode: a batch copy of families or programmes on SQLite
would trip over the search triggers that read them (0002). SQLite takes the foreign key
inline with ADD COLUMN; PostgreSQL gets it as a named constraint.

Revision ID: 0018_catalogue
Revises: 0017_cetpro_admin
Create Date: 2026-12-03 09:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0018_catalogue'
down_revision = '0017_cetpro_admin'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('families', sa.Column('retired_at', sa.DateTime(), nullable=True))
    for table in ('programmes', 'modules'):
        op.add_column(table, sa.Column('retired_at', sa.DateTime(), nullable=True))
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} ADD COLUMN merged_into_id INTEGER '
                       f'CONSTRAINT fk_{table}_merged_into_id_{table} REFERENCES {table} (id)')
        else:
            op.add_column(table, sa.Column('merged_into_id', sa.Integer(), nullable=True))
            op.create_foreign_key(f'fk_{table}_merged_into_id_{table}', table, table, ['merged_into_id'], ['id'])


def downgrade():
    for table in ('modules', 'programmes'):
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(f'fk_{table}_merged_into_id_{table}', table, type_='foreignkey')
        op.drop_column(table, 'merged_into_id')
        op.drop_column(table, 'retired_at')
    op.drop_column('families', 'retired_at')
