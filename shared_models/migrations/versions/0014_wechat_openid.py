"""wechat openid: tenants signed in by WeChat after one SMS sign-in, where the site allows it

Revision ID: 0014_wechat_openid
Revises: 0016_supply_contracts
Create Date: 2026-11-29 09:40:00

A tenant who signed in once by SMS inside WeChat may have their WeChat openid bound to their
phone (WeChat's snsapi_base authorisation); the next visit inside WeChat signs in with no code.
A site turns this on (off by default).
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0014_wechat_openid'
down_revision = '0016_supply_contracts'
branch_labels = None
depends_on = None

# Plain ALTER TABLE ADD/DROP COLUMN on `sites` (SQLite 3.35+): copying it the batch way would
# drop the table every other table refers to.
_IN_PLACE = {'recreate': 'never'}


def upgrade() -> None:
    op.create_table('tenant_wechat_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('openid', sa.String(length=128), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_tenant_wechat_bindings_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_wechat_bindings')),
    sa.UniqueConstraint('appid', 'openid', name=op.f('uq_tenant_wechat_bindings_appid_openid'))
    )
    with op.batch_alter_table('tenant_wechat_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_wechat_bindings_phone'), ['phone'], unique=False)

    with op.batch_alter_table('sites', schema=None, **_IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('tenant_wechat_sign_in', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('sites', schema=None, **_IN_PLACE) as batch_op:
        batch_op.drop_column('tenant_wechat_sign_in')

    with op.batch_alter_table('tenant_wechat_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_wechat_bindings_phone'))

    op.drop_table('tenant_wechat_bindings')
