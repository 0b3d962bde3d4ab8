"""tenant identity: SMS sign-in codes, tenant sessions and their idempotency keys, a sign-in SMS kind, tenant supply control

Revision ID: 0012_tenant_identity
Revises: 0011_reconciliation
Create Date: 2026-11-29 06:05:55.447166

Tenants sign in on their phones with a code texted through the SMS outbox (a new kind of
message), into sessions of their own, apart from staff sessions. A site may turn off the
tenants' own supply switch.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0012_tenant_identity'
down_revision = '0011_reconciliation'
branch_labels = None
depends_on = None

# Plain ALTER TABLE ADD/DROP COLUMN on `sites` (SQLite 3.35+): copying it the batch way would
# drop the table every other table refers to.
_IN_PLACE = {'recreate': 'never'}
_OLD_KINDS = ('alarm1', 'alarm2', 'arrears', 'recharge')
_NEW_KINDS = _OLD_KINDS + ('sign_in_code',)
_QUEUED = sa.text("state = 'queued'")


def upgrade() -> None:
    op.create_table('tenant_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('wechat_openid', sa.String(length=128), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_sessions'))
    )
    with op.batch_alter_table('tenant_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_sessions_phone'), ['phone'], unique=False)

    op.create_table('tenant_sign_in_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['tenant_accounts.id'], name=op.f('fk_tenant_sign_in_codes_account_id_tenant_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_sign_in_codes'))
    )
    with op.batch_alter_table('tenant_sign_in_codes', schema=None) as batch_op:
        batch_op.create_index('ix_tenant_sign_in_codes_lookup', ['account_id', 'phone', 'created_at'], unique=False)

    op.create_table('tenant_idempotency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_idempotency_records')),
    sa.UniqueConstraint('phone', 'key', name=op.f('uq_tenant_idempotency_records_phone_key'))
    )

    with op.batch_alter_table('sites', schema=None, **_IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('tenant_supply_control', sa.Boolean(), server_default=sa.true(), nullable=False))

    _sms_kinds(_NEW_KINDS)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM sms_messages WHERE kind = 'sign_in_code'"))
    _sms_kinds(_OLD_KINDS)
    with op.batch_alter_table('sites', schema=None, **_IN_PLACE) as batch_op:
        batch_op.drop_column('tenant_supply_control')

    op.drop_table('tenant_idempotency_records')
    with op.batch_alter_table('tenant_sign_in_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_tenant_sign_in_codes_lookup')

    op.drop_table('tenant_sign_in_codes')
    with op.batch_alter_table('tenant_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_sessions_phone'))

    op.drop_table('tenant_sessions')


def _sms_kinds(kinds: tuple[str, ...]) -> None:
    """The CHECK constraint listing the SMS kinds, rewritten to allow exactly `kinds`."""
    check = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
    name = op.f('ck_sms_messages_sms_kind')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(name, 'sms_messages', type_='check')
        op.create_check_constraint(name, 'sms_messages', check)
        return
    # SQLite cannot alter a constraint: the table is copied. Its partial index is made again
    # by hand, as a copy would lose its WHERE clause.
    with op.batch_alter_table('sms_messages', recreate='always') as batch_op:
        batch_op.drop_index('ix_sms_messages_due')
        batch_op.drop_constraint(name, type_='check')
        batch_op.create_check_constraint(name, check)
    op.create_index('ix_sms_messages_due', 'sms_messages', ['next_attempt_at'], unique=False,
                    sqlite_where=_QUEUED)
