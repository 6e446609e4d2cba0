"""job alerts: a student's saved searches, what each has sent, and the publish queue

alerts: a saved /ofertas query string with the filters an opening's columns answer
(family, programme, department, province, kind, mode) as indexed columns, its frequency,
paused, initial (made at sign-up), created_at and last_sent_at. alert_deliveries(alert,
opening): what one alert has sent, written with its email, so none is sent twice.
alert_queue: openings just published, for the worker's "inmediata" run.
outbox_emails.list_unsubscribe: the List-Unsubscribe header of an email one can stop.

Revision ID: 0025_job_alerts
Revises: 0024_certificates
Create Date: 2026-12-03 20:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0025_job_alerts'
down_revision = '0024_certificates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('query', sa.String(length=400), nullable=False),
        sa.Column('words', sa.String(length=100), nullable=True),
        sa.Column('family_id', sa.Integer(), nullable=True),
        sa.Column('programme_id', sa.Integer(), nullable=True),
        sa.Column('department_code', sa.String(length=2), nullable=True),
        sa.Column('province_code', sa.String(length=4), nullable=True),
        sa.Column('kind', sa.String(length=30), nullable=True),
        sa.Column('work_mode', sa.String(length=12), nullable=True),
        sa.Column('frequency', sa.String(length=10), nullable=False),
        sa.Column('paused', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('initial', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("frequency IN ('inmediata', 'diaria', 'semanal')", name=op.f('ck_alerts_frequency_valid')),
        sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_alerts_family_id_families')),
        sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_alerts_programme_id_programmes')),
        sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'],
                                name=op.f('fk_alerts_student_id_student_profiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
        sa.UniqueConstraint('student_id', 'query', name=op.f('uq_alerts_student_id_query')),
    )
    op.create_index('ix_alerts_matching', 'alerts', ['frequency', 'paused', 'family_id', 'programme_id'],
                    unique=False)
    op.create_index('ix_alerts_department', 'alerts', ['department_code'], unique=False)
    op.create_index(op.f('ix_alerts_student_id'), 'alerts', ['student_id'], unique=False)
    op.create_table(
        'alert_deliveries',
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('opening_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_deliveries_alert_id_alerts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['opening_id'], ['openings.id'],
                                name=op.f('fk_alert_deliveries_opening_id_openings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('alert_id', 'opening_id', name=op.f('pk_alert_deliveries')),
    )
    op.create_index(op.f('ix_alert_deliveries_opening_id'), 'alert_deliveries', ['opening_id'], unique=False)
    op.create_table(
        'alert_queue',
        sa.Column('opening_id', sa.Integer(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_alert_queue_opening_id_openings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('opening_id', name=op.f('pk_alert_queue')),
    )
    with op.batch_alter_table('outbox_emails') as batch:
        batch.add_column(sa.Column('list_unsubscribe', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_emails') as batch:
        batch.drop_column('list_unsubscribe')
    op.drop_table('alert_queue')
    op.drop_index(op.f('ix_alert_deliveries_opening_id'), table_name='alert_deliveries')
    op.drop_table('alert_deliveries')
    op.drop_index(op.f('ix_alerts_student_id'), table_name='alerts')
    op.drop_index('ix_alerts_department', table_name='alerts')
    op.drop_index('ix_alerts_matching', table_name='alerts')
    op.drop_table('alerts')
