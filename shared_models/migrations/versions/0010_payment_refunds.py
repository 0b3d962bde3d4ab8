"""payment refunds: online payments going back through their gateway

Revision ID: 0010_payment_refunds
Revises: 0009_payments
Create Date: 2026-11-29 04:03:55.442401
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types


revision = '0010_payment_refunds'
down_revision = '0009_payments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_url', sa.String(length=255), nullable=False,
                                      server_default=''))
    op.create_table('payment_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('amount', shared_models.types.Money(), nullable=False),
    sa.Column('out_refund_no', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('pending_approval', 'approved', 'processing', 'succeeded', 'failed', 'rejected', name='payment_refund_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('refund_id', sa.String(length=64), nullable=True),
    sa.Column('failure', sa.String(length=255), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=True),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['operators.id'], name=op.f('fk_payment_refunds_approved_by_id_operators')),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.id'], name=op.f('fk_payment_refunds_order_id_payment_orders')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['operators.id'], name=op.f('fk_payment_refunds_requested_by_id_operators')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_payment_refunds_sale_id_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_refunds')),
    sa.UniqueConstraint('out_refund_no', name=op.f('uq_payment_refunds_out_refund_no')),
    sa.UniqueConstraint('sale_id', name=op.f('uq_payment_refunds_sale_id'))
    )
    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_refunds_order_id'), ['order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.drop_column('notify_url')
    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_refunds_order_id'))

    op.drop_table('payment_refunds')
