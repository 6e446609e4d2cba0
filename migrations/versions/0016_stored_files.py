"""uploads in the database: stored files and roster import previews

stored_files: every uploaded file (CVs, logos, convenio PDFs, placement evidence) with
its content type, size, SHA-256 and bytes, keyed by the 'folder/<random>.ext' the owning
rows already hold, so every app host serves every file and a database backup carries
them. The upgrade moves the files found under UPLOAD_PATH in (a row pointing to a file
that is not there keeps its value: the download answers 404, as before); the files on
disk are left where they are for the operator to remove once the move is checked
(docs/DEPLOY.md). The downgrade writes them back out.

import_previews: a roster file's checked rows between the preview and the confirm (were
JSON files under UPLOAD_PATH/imports, which last an hour: those are not moved).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:00:00

"""
import hashlib
import os
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# Every column that names a stored file, as (table, primary key, column).
POINTERS = (
    ('student_profiles', 'id', 'cv_path'),
    ('companies', 'id', 'logo_path'),
    ('convenios', 'id', 'pdf_path'),
    ('placements', 'id', 'evidence_path'),
)
CONTENT_TYPES = {'pdf': 'application/pdf', 'png': 'image/png', 'jpg': 'image/jpeg'}
_KEY = re.compile(r'^[a-z0-9][a-z0-9_-]{0,39}/[0-9a-f]{32}\.(pdf|png|jpg)$')


def _upload_root() -> Path:
    try:
        from flask import current_app
        return Path(current_app.config['UPLOAD_PATH'])
    except (ImportError, RuntimeError, KeyError):
        return Path(os.environ.get('UPLOAD_PATH', 'instance/uploads'))


stored_files = sa.table(
    'stored_files',
    sa.column('key', sa.String), sa.column('content_type', sa.String), sa.column('size', sa.Integer),
    sa.column('sha256', sa.String), sa.column('content', sa.LargeBinary), sa.column('created_at', sa.DateTime),
)


def upgrade():
    op.create_table(
        'stored_files',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_files')),
    )
    op.create_table(
        'import_previews',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('cetpro_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('rows', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('ready', 'importing', 'done')",
                           name=op.f('ck_import_previews_import_preview_state_valid')),
        sa.ForeignKeyConstraint(['cetpro_id'], ['cetpros.id'], name=op.f('fk_import_previews_cetpro_id_cetpros')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_previews_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_import_previews')),
    )
    with op.batch_alter_table('import_previews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_previews_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_previews_user_id'), ['user_id'], unique=False)
    _move_files_in()


def _move_files_in():
    """One file at a time (a CV is at most a few MB): memory stays flat whatever the count."""
    connection = op.get_bind()
    root = _upload_root().resolve()
    moved = missing = 0
    for table, _, column in POINTERS:
        keys = connection.execute(sa.text(f'SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL'))
        for (key,) in keys.fetchall():
            match = _KEY.match(key)
            path = (root / key).resolve() if match else None
            if path is None or path.parent.parent != root or not path.is_file():
                missing += 1
                continue
            content = path.read_bytes()
            connection.execute(stored_files.insert().values(
                key=key, content_type=CONTENT_TYPES[match.group(1)], size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), content=content,
                created_at=sa.func.current_timestamp()))
            moved += 1
    if moved or missing:
        print(f'0016: {moved} archivos pasaron a la base de datos; {missing} no estaban en {root}.')


def downgrade():
    connection = op.get_bind()
    root = _upload_root()
    rows = connection.execute(sa.text('SELECT key FROM stored_files')).fetchall()
    for (key,) in rows:
        if not _KEY.match(key):
            continue
        content = connection.execute(sa.text('SELECT content FROM stored_files WHERE key = :key'),
                                     {'key': key}).scalar()
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(content))
    with op.batch_alter_table('import_previews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_previews_user_id'))
        batch_op.drop_index(batch_op.f('ix_import_previews_created_at'))
    op.drop_table('import_previews')
    op.drop_table('stored_files')
