"""staff sessions: server-side sessions and a lockout keyed by username and address

Revision ID: 0007_staff_sessions
Revises: 0006_billing_carry
Create Date: 2026-11-29 01:30:00.000000

Sessions are rows the server can revoke (logout, password change, deactivation); failed
logins are counted per username and client address, so a stranger cannot lock anyone out.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0007_staff_sessions'
down_revision = '0006_billing_carry'
branch_labels = None
depends_on = None


# Plain ALTER TABLE ... DROP/ADD COLUMN (SQLite 3.35+ has them): copying `operators` the batch
# way would drop the old table, and its ON DELETE CASCADE would empty operator_sites with it.
_IN_PLACE = {'recreate': 'never'}


def upgrade() -> None:
    op.create_table('staff_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_staff_sessions_operator_id_operators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table('login_lockouts',
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('client_ip', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_login_lockouts_operator_id_operators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('operator_id', 'client_ip', name=op.f('pk_login_lockouts'))
    )

    # Sessions and locks now live in the tables above.
    with op.batch_alter_table('operators', schema=None, **_IN_PLACE) as batch_op:
        batch_op.drop_column('session_epoch')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade() -> None:
    with op.batch_alter_table('operators', schema=None, **_IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', shared_models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))

    op.drop_table('login_lockouts')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_staff_sessions_operator_id'))

    op.drop_table('staff_sessions')
