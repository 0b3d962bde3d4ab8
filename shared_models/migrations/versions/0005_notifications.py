"""notifications: the SMS outbox and per-site SMS settings

Revision ID: 0005_notifications
Revises: 0004_tariffs
Create Date: 2026-11-20 22:45:00.000000

One row per text message (queued, sending, sent, failed, suppressed) with its dedup key,
quiet-hours release time, retry schedule and the provider's reference; and a per-site row of
SMS policy (on/off, quiet hours, repeat window) for sites that differ from the defaults.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0005_notifications'
down_revision = '0004_tariffs'
branch_labels = None
depends_on = None

_QUEUED = sa.text("state = 'queued'")


def upgrade() -> None:
    op.create_table('sms_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('alarm1', 'alarm2', 'arrears', 'recharge', name='sms_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('dedup_key', sa.String(length=128), nullable=True),
    sa.Column('state', sa.Enum('queued', 'sending', 'sent', 'failed', 'suppressed', name='sms_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('not_before', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('provider_ref', sa.String(length=128), nullable=False),
    sa.Column('last_error', sa.String(length=255), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['tenant_accounts.id'], name=op.f('fk_sms_messages_account_id_tenant_accounts')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_sms_messages_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_sms_messages_dedup_key'))
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_messages_site_id'), ['site_id'], unique=False)
        batch_op.create_index('ix_sms_messages_account_kind', ['account_id', 'kind', 'created_at'], unique=False)
        batch_op.create_index('ix_sms_messages_due', ['next_attempt_at'], unique=False,
                              postgresql_where=_QUEUED, sqlite_where=_QUEUED)

    op.create_table('sms_settings',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.String(length=5), nullable=False),
    sa.Column('quiet_end', sa.String(length=5), nullable=False),
    sa.Column('repeat_window_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_sms_settings_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_sms_settings'))
    )


def downgrade() -> None:
    op.drop_table('sms_settings')
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_messages_due', postgresql_where=_QUEUED, sqlite_where=_QUEUED)
        batch_op.drop_index('ix_sms_messages_account_kind')
        batch_op.drop_index(batch_op.f('ix_sms_messages_site_id'))

    op.drop_table('sms_messages')
