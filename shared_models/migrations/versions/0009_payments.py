"""payments: online payment orders and their gateway history; sales without a till

Revision ID: 0009_payments
Revises: 0008_audit_head
Create Date: 2026-11-29 03:50:38.682920

An order is the row that exists before anything is shown to a payer; its events are what the
gateways told us and what we refused, append-only like the ledger. A sale credited from a
gateway has no operator and no shift. Each site gets its online payment limits and order
expiry (existing sites take the defaults).
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types
from shared_models.append_only import protect, unprotect


revision = '0009_payments'
down_revision = '0008_audit_head'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payment_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('cash', 'bank_card', 'transfer', 'alipay', 'wechat', 'unionpay', name='payment_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('flow', sa.Enum('qr', 'payment_code', 'wap', 'jsapi', name='payment_flow', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount', shared_models.types.Money(), nullable=False),
    sa.Column('state', sa.Enum('created', 'pending', 'paid', 'credited', 'closed', 'expired', 'refunding', 'refunded', name='payment_order_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('out_trade_no', sa.String(length=32), nullable=False),
    sa.Column('trade_no', sa.String(length=64), nullable=True),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('qr_code', sa.Text(), nullable=True),
    sa.Column('pay_url', sa.Text(), nullable=True),
    sa.Column('payer_hint', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('refunded_amount', shared_models.types.Money(), nullable=False),
    sa.Column('review_reason', sa.String(length=255), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=True),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('credited_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_orders_amount_positive')),
    sa.CheckConstraint('refunded_amount >= 0 AND refunded_amount <= amount', name=op.f('ck_payment_orders_refund_within_amount')),
    sa.ForeignKeyConstraint(['account_id'], ['tenant_accounts.id'], name=op.f('fk_payment_orders_account_id_tenant_accounts')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_payment_orders_sale_id_sales')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_payment_orders_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_orders')),
    sa.UniqueConstraint('channel', 'trade_no', name='uq_payment_orders_gateway_trade'),
    sa.UniqueConstraint('out_trade_no', name=op.f('uq_payment_orders_out_trade_no')),
    sa.UniqueConstraint('sale_id', name=op.f('uq_payment_orders_sale_id'))
    )
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_orders_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_payment_orders_open', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_orders_site_id'), ['site_id'], unique=False)

    op.create_table('payment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('cash', 'bank_card', 'transfer', 'alipay', 'wechat', 'unionpay', name='payment_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('kind', sa.Enum('create', 'pay', 'notify', 'query', 'close', 'cancel', 'refund', name='payment_event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=255), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.id'], name=op.f('fk_payment_events_order_id_payment_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_events'))
    )
    with op.batch_alter_table('payment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_events_order_id'), ['order_id'], unique=False)
    protect(op.get_bind(), 'payment_events')

    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.alter_column('operator_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('shift_id',
               existing_type=sa.INTEGER(),
               nullable=True)

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_min_amount', shared_models.types.Money(), nullable=False,
                                      server_default='1.00'))
        batch_op.add_column(sa.Column('online_max_amount', shared_models.types.Money(), nullable=False,
                                      server_default='2000.00'))
        batch_op.add_column(sa.Column('order_expiry_s', sa.Integer(), nullable=False,
                                      server_default='7200'))



def downgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('order_expiry_s')
        batch_op.drop_column('online_max_amount')
        batch_op.drop_column('online_min_amount')

    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.alter_column('shift_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('operator_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    unprotect(op.get_bind(), 'payment_events')
    with op.batch_alter_table('payment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_events_order_id'))

    op.drop_table('payment_events')
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_orders_site_id'))
        batch_op.drop_index('ix_payment_orders_open')
        batch_op.drop_index(batch_op.f('ix_payment_orders_account_id'))

    op.drop_table('payment_orders')
