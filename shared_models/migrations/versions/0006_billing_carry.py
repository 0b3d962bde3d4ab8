"""billing carry: the unrounded remainder of each meter's billed cost

Revision ID: 0006_billing_carry
Revises: 0005_notifications
Create Date: 2026-11-29 01:30:00.000000

Each meter's state keeps the part of its exact cost not yet posted (below a cent), so the
sum of its postings is always its whole history's exact cost rounded once.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0006_billing_carry'
down_revision = '0005_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meter_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_carry', shared_models.types.Remainder(precision=16, scale=12),
                                      server_default='0', nullable=False))
        batch_op.add_column(sa.Column('carry_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('billed_until', shared_models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meter_states_carry_account_id_tenant_accounts'),
                                    'tenant_accounts', ['carry_account_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('meter_states', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meter_states_carry_account_id_tenant_accounts'),
                                 type_='foreignkey')
        batch_op.drop_column('billed_until')
        batch_op.drop_column('carry_account_id')
        batch_op.drop_column('cost_carry')
