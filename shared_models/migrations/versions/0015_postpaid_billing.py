"""postpaid billing: a billing mode per account, bill runs, bills and their lines

Revision ID: 0015_postpaid_billing
Revises: 0013_sms_preferences
Create Date: 2026-11-29 09:33:47.352886

Accounts get a billing mode (prepaid by default), sites the bill cut-off day, due days and
review thresholds, and the ledger two more account kinds per postpaid account: unbilled
(应收未出账) and receivable (应收电费).
"""

import re

import sqlalchemy as sa
from alembic import op

import shared_models.types


revision = '0015_postpaid_billing'
down_revision = '0013_sms_preferences'
branch_labels = None
depends_on = None

# Plain ALTER TABLE ADD/DROP COLUMN: copying `sites` or `tenant_accounts` the batch way would
# drop tables the ledger and sales refer to.
_IN_PLACE = {'recreate': 'never'}
_KINDS = ('wallet', 'clearing', 'energy_revenue', 'refunds_payable', 'meter_held', 'suspense')
_NEW_KINDS = ('unbilled', 'receivable')
_KIND_CHECK = 'ck_ledger_accounts_ledger_account_kind'
_MODE_CHECK = 'ck_tenant_accounts_billing_mode'


def upgrade() -> None:
    op.create_table('bill_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('period_start', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_end', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('started_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_bill_runs_operator_id_operators')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_bill_runs_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_runs')),
    sa.UniqueConstraint('site_id', 'period_end', name=op.f('uq_bill_runs_site_id_period_end'))
    )
    with op.batch_alter_table('bill_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bill_runs_site_id'), ['site_id'], unique=False)

    op.create_table('bills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('draft', 'calculated', 'reviewed', 'released', 'partially_settled', 'settled', 'cancelled', 'written_off', name='bill_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('period_start', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_end', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('energy_kwh', shared_models.types.Energy(), nullable=False),
    sa.Column('estimated_kwh', shared_models.types.Energy(), nullable=False),
    sa.Column('energy_amount', shared_models.types.Money(), nullable=False),
    sa.Column('fixed_charge', shared_models.types.Money(), nullable=False),
    sa.Column('power_factor_adjustment', shared_models.types.Money(), nullable=False),
    sa.Column('charges', shared_models.types.Money(), nullable=False),
    sa.Column('previous_balance', shared_models.types.Money(), nullable=False),
    sa.Column('payments', shared_models.types.Money(), nullable=False),
    sa.Column('flags', sa.String(length=128), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('review_note', sa.String(length=255), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('release_transaction_id', sa.Integer(), nullable=True),
    sa.Column('closing_reason', sa.String(length=255), nullable=False),
    sa.Column('write_off_requested_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['operators.id'], name=op.f('fk_bills_accepted_by_id_operators')),
    sa.ForeignKeyConstraint(['account_id'], ['tenant_accounts.id'], name=op.f('fk_bills_account_id_tenant_accounts')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['operators.id'], name=op.f('fk_bills_closed_by_id_operators')),
    sa.ForeignKeyConstraint(['release_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_bills_release_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['operators.id'], name=op.f('fk_bills_reviewed_by_id_operators')),
    sa.ForeignKeyConstraint(['run_id'], ['bill_runs.id'], name=op.f('fk_bills_run_id_bill_runs')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_bills_site_id_sites')),
    sa.ForeignKeyConstraint(['write_off_requested_by_id'], ['operators.id'], name=op.f('fk_bills_write_off_requested_by_id_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bills')),
    sa.UniqueConstraint('run_id', 'account_id', name=op.f('uq_bills_run_id_account_id')),
    sa.UniqueConstraint('site_id', 'number', name=op.f('uq_bills_site_id_number'))
    )
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bills_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bills_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bills_site_id'), ['site_id'], unique=False)

    op.create_table('bill_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('energy', 'fixed', 'power_factor', 'rounding', name='bill_line_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=True),
    sa.Column('band', sa.String(length=16), nullable=True),
    sa.Column('tier', sa.Integer(), nullable=True),
    sa.Column('kwh', shared_models.types.Energy(), nullable=True),
    sa.Column('price', shared_models.types.Price(), nullable=True),
    sa.Column('amount', shared_models.types.Money(), nullable=False),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], name=op.f('fk_bill_lines_bill_id_bills')),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_bill_lines_meter_id_meters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_lines')),
    sa.UniqueConstraint('bill_id', 'position', name=op.f('uq_bill_lines_bill_id_position'))
    )
    op.create_table('bill_meters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=False),
    sa.Column('start_reading_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('end_reading_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('start_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('start_total', shared_models.types.Energy(), nullable=False),
    sa.Column('end_total', shared_models.types.Energy(), nullable=False),
    sa.Column('kwh', shared_models.types.Energy(), nullable=False),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], name=op.f('fk_bill_meters_bill_id_bills')),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_bill_meters_meter_id_meters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_meters')),
    sa.UniqueConstraint('bill_id', 'meter_id', name=op.f('uq_bill_meters_bill_id_meter_id'))
    )
    with op.batch_alter_table('bill_meters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bill_meters_meter_id'), ['meter_id'], unique=False)

    with op.batch_alter_table('sites', schema=None, **_IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('bill_cutoff_day', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('bill_due_days', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('bill_change_pct', sa.Integer(), server_default='50', nullable=False))
        batch_op.add_column(sa.Column('bill_estimated_pct', sa.Integer(), server_default='20', nullable=False))

    _add_billing_mode()
    _ledger_kinds(_KINDS + _NEW_KINDS)



def downgrade() -> None:
    _ledger_kinds(_KINDS)
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f(_MODE_CHECK), 'tenant_accounts', type_='check')
    with op.batch_alter_table('tenant_accounts', schema=None, **_IN_PLACE) as batch_op:
        batch_op.drop_column('billing_mode')

    with op.batch_alter_table('sites', schema=None, **_IN_PLACE) as batch_op:
        batch_op.drop_column('bill_estimated_pct')
        batch_op.drop_column('bill_change_pct')
        batch_op.drop_column('bill_due_days')
        batch_op.drop_column('bill_cutoff_day')

    with op.batch_alter_table('bill_meters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bill_meters_meter_id'))

    op.drop_table('bill_meters')
    op.drop_table('bill_lines')
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bills_site_id'))
        batch_op.drop_index(batch_op.f('ix_bills_run_id'))
        batch_op.drop_index(batch_op.f('ix_bills_account_id'))

    op.drop_table('bills')
    with op.batch_alter_table('bill_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bill_runs_site_id'))

    op.drop_table('bill_runs')


def _add_billing_mode() -> None:
    """`tenant_accounts.billing_mode` with its CHECK, in place on both dialects (SQLite takes
    the CHECK only as a column constraint of ADD COLUMN)."""
    check = "billing_mode IN ('prepaid', 'postpaid')"
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE tenant_accounts ADD COLUMN billing_mode VARCHAR(32) DEFAULT 'prepaid' "
                   f"NOT NULL CONSTRAINT {_MODE_CHECK} CHECK ({check})")
        return
    with op.batch_alter_table('tenant_accounts', schema=None, **_IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('billing_mode', sa.String(length=32), server_default='prepaid',
                                      nullable=False))
    op.create_check_constraint(op.f(_MODE_CHECK), 'tenant_accounts', check)


def _ledger_kinds(kinds: tuple[str, ...]) -> None:
    """The CHECK constraint listing the ledger account kinds, rewritten to allow `kinds`."""
    check = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        op.drop_constraint(op.f(_KIND_CHECK), 'ledger_accounts', type_='check')
        op.create_check_constraint(op.f(_KIND_CHECK), 'ledger_accounts', check)
        return
    # SQLite cannot alter a constraint, and copying `ledger_accounts` would drop the table
    # every posting refers to. Its stored definition is edited instead, the way SQLite's own
    # ALTER TABLE documentation gives for changes that leave the rows as they are (the rows
    # already there satisfy the new list, which only widens or narrows by kinds unused).
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_accounts'").scalar()
    pattern = rf"CONSTRAINT {_KIND_CHECK} CHECK \(kind IN \([^)]*\)\)"
    new_sql, count = re.subn(pattern, f"CONSTRAINT {_KIND_CHECK} CHECK ({check})", sql)
    if count != 1:
        raise RuntimeError(f"ledger_accounts: the kind constraint was not found in {sql!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ledger_accounts'",
                         (new_sql,))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
