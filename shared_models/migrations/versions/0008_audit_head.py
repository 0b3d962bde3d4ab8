"""audit head: a checkpoint of the system log's newest row kept outside the log; relay read time

Revision ID: 0008_audit_head
Revises: 0007_staff_sessions
Create Date: 2026-11-29 01:30:00.000000

The verify step compares the chain's end with the checkpoint, so deleting the newest rows is
detected. An existing log is checkpointed at its newest row. A trigger refuses to delete the
checkpoint (a superuser can drop it, as they can drop the log's own guard). It is not kept
from moving back: SQLite hands a deleted newest id out again, and the append after a cut must
still go through, so that verify can show the cut.

Each meter state also records when its relay was read, so that a command's read-back (newer
than a sweep's read of the same meter, stored after it) is not overwritten by that sweep.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0008_audit_head'
down_revision = '0007_staff_sessions'
branch_labels = None
depends_on = None

_POSTGRESQL_GUARD = [
    # wk_refuse_change() is the append-only tables' function (shared_models.append_only).
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION wk_refuse_change()",
]
_SQLITE_GUARD = [
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_head: DELETE refused'); END",
]


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('chain', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_head'))
    )
    # The log written so far ends where it ends now.
    op.execute("INSERT INTO audit_head (chain, entry_id, hash, updated_at) "
               "SELECT 'system', id, hash, at FROM audit_log "
               "WHERE id = (SELECT max(id) FROM audit_log)")
    bind = op.get_bind()
    for statement in _POSTGRESQL_GUARD if bind.dialect.name == "postgresql" else _SQLITE_GUARD:
        op.execute(statement)

    with op.batch_alter_table('meter_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relay_read_at', shared_models.types.UTCDateTime(timezone=True),
                                      nullable=True))
    # Until now the relay was read with the last poll only.
    op.execute("UPDATE meter_states SET relay_read_at = last_read_at")


def downgrade() -> None:
    with op.batch_alter_table('meter_states', schema=None) as batch_op:
        batch_op.drop_column('relay_read_at')

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete")
    op.drop_table('audit_head')
