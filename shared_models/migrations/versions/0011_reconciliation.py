"""reconciliation: daily runs of each gateway's bill, their breaks, and the midnight holding pool

Revision ID: 0011_reconciliation
Revises: 0010_payment_refunds
Create Date: 2026-11-29 04:10:17.833014
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types


revision = '0011_reconciliation'
down_revision = '0010_payment_refunds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reconciliation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.Enum('cash', 'bank_card', 'transfer', 'alipay', 'wechat', 'unionpay', name='payment_channel', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('running', 'done', 'failed', name='reconciliation_run_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('bill', sa.LargeBinary(), nullable=True),
    sa.Column('bill_sha256', sa.String(length=64), nullable=False),
    sa.Column('fetched_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failure', sa.Text(), nullable=False),
    sa.Column('bill_payments', sa.Integer(), nullable=False),
    sa.Column('bill_refunds', sa.Integer(), nullable=False),
    sa.Column('bill_paid', shared_models.types.Money(), nullable=False),
    sa.Column('bill_refunded', shared_models.types.Money(), nullable=False),
    sa.Column('bill_fees', shared_models.types.Money(), nullable=False),
    sa.Column('our_payments', sa.Integer(), nullable=False),
    sa.Column('our_refunds', sa.Integer(), nullable=False),
    sa.Column('our_paid', shared_models.types.Money(), nullable=False),
    sa.Column('our_refunded', shared_models.types.Money(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('breaks', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_reconciliation_runs_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_runs')),
    sa.UniqueConstraint('site_id', 'scope', 'day', name=op.f('uq_reconciliation_runs_site_id_scope_day'))
    )
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_runs_site_id'), ['site_id'], unique=False)

    op.create_table('reconciliation_breaks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('cash', 'bank_card', 'transfer', 'alipay', 'wechat', 'unionpay', name='payment_channel', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('kind', sa.Enum('paid_not_credited', 'credited_not_billed', 'amount_mismatch', 'duplicate', 'refund_mismatch', 'purchase_count_mismatch', name='reconciliation_break_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reference', sa.String(length=128), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('meter_id', sa.Integer(), nullable=True),
    sa.Column('out_trade_no', sa.String(length=64), nullable=True),
    sa.Column('trade_no', sa.String(length=64), nullable=True),
    sa.Column('gateway_amount', shared_models.types.Money(), nullable=False),
    sa.Column('our_amount', shared_models.types.Money(), nullable=False),
    sa.Column('detail', sa.String(length=255), nullable=False),
    sa.Column('state', sa.Enum('open', 'resolved', 'accepted', 'cleared', name='reconciliation_break_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_reconciliation_breaks_meter_id_meters')),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.id'], name=op.f('fk_reconciliation_breaks_order_id_payment_orders')),
    sa.ForeignKeyConstraint(['refund_id'], ['payment_refunds.id'], name=op.f('fk_reconciliation_breaks_refund_id_payment_refunds')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['operators.id'], name=op.f('fk_reconciliation_breaks_resolved_by_id_operators')),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_runs.id'], name=op.f('fk_reconciliation_breaks_run_id_reconciliation_runs')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_reconciliation_breaks_site_id_sites')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_reconciliation_breaks_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_breaks')),
    sa.UniqueConstraint('run_id', 'kind', 'reference', name=op.f('uq_reconciliation_breaks_run_id_kind_reference'))
    )
    with op.batch_alter_table('reconciliation_breaks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_breaks_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_reconciliation_breaks_queue', ['state', 'site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconciliation_breaks_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconciliation_breaks_site_id'), ['site_id'], unique=False)

    op.create_table('reconciliation_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=128), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('amount', shared_models.types.Money(), nullable=False),
    sa.Column('state', sa.Enum('held', 'released', 'broken', name='reconciliation_hold_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('settled_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.id'], name=op.f('fk_reconciliation_holds_order_id_payment_orders')),
    sa.ForeignKeyConstraint(['refund_id'], ['payment_refunds.id'], name=op.f('fk_reconciliation_holds_refund_id_payment_refunds')),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_runs.id'], name=op.f('fk_reconciliation_holds_run_id_reconciliation_runs')),
    sa.ForeignKeyConstraint(['settled_run_id'], ['reconciliation_runs.id'], name=op.f('fk_reconciliation_holds_settled_run_id_reconciliation_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_holds')),
    sa.UniqueConstraint('run_id', 'reference', name=op.f('uq_reconciliation_holds_run_id_reference'))
    )
    with op.batch_alter_table('reconciliation_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_holds_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reconciliation_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_holds_run_id'))

    op.drop_table('reconciliation_holds')
    with op.batch_alter_table('reconciliation_breaks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_breaks_site_id'))
        batch_op.drop_index(batch_op.f('ix_reconciliation_breaks_run_id'))
        batch_op.drop_index('ix_reconciliation_breaks_queue')
        batch_op.drop_index(batch_op.f('ix_reconciliation_breaks_order_id'))

    op.drop_table('reconciliation_breaks')
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_runs_site_id'))

    op.drop_table('reconciliation_runs')
