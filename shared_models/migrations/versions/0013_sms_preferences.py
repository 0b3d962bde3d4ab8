"""sms preferences: the alarm texts a tenant turned off

Revision ID: 0013_sms_preferences
Revises: 0012_tenant_identity
Create Date: 2026-11-29 08:05:00

A tenant chooses on their phone whether to get the alarm 1 and alarm 2 texts; the arrears
text (the supply is being cut) is always sent.
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_sms_preferences'
down_revision = '0012_tenant_identity'
branch_labels = None
depends_on = None

# Plain ALTER TABLE ADD/DROP COLUMN (SQLite 3.35+): copying `tenant_accounts` the batch way
# would drop a table the ledger and sales refer to.
_IN_PLACE = {'recreate': 'never'}


def upgrade() -> None:
    with op.batch_alter_table('tenant_accounts', schema=None, **_IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('sms_muted', sa.String(length=32), server_default='',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('tenant_accounts', schema=None, **_IN_PLACE) as batch_op:
        batch_op.drop_column('sms_muted')
