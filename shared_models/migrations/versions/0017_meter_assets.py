"""meter assets: the device's own life apart from its accounts

Revision ID: 0017_meter_assets
Revises: 0014_wechat_openid
Create Date: 2026-11-29 10:00:00

`meters.status` said two things at once: whether a meter served an account (not opened,
opened, closed) and where the device was (replaced, scrapped). The device's life moves to
`meter_assets` (arrival, verification, stock, dispatch, installation, removal, repair, scrap)
and `meters.status` keeps the account side. Every existing meter becomes an asset: one on a bus
is installed, a replaced one removed, a scrapped one scrapped; the status of a replaced or
scrapped meter becomes closed when it ever served an account, not opened otherwise.

SQLite cannot change a CHECK constraint without copying `meters`, which half the schema refers
to, so there the old constraint (a superset of the new values) stays; PostgreSQL gets the new one.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types
from shared_models.append_only import protect, unprotect

revision = '0017_meter_assets'
down_revision = '0014_wechat_openid'
branch_labels = None
depends_on = None

ASSET_STATES = ('arrived', 'in_stock', 'dispatched', 'installed', 'removed', 'in_repair',
                'scrapped', 'returned')
EVENT_KINDS = ('arrived', 'registered', 'verified', 'failed_verification', 'returned',
               'dispatched', 'recalled', 'installed', 'commissioned', 'removed',
               'sent_to_repair', 'scrapped')
UTC = shared_models.types.UTCDateTime


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _id():
    return sa.Column('id', sa.Integer(), nullable=False)


def _operator_fk(table, column):
    return sa.ForeignKeyConstraint([column], ['operators.id'],
                                   name=op.f(f'fk_{table}_{column}_operators'))


def upgrade() -> None:
    op.create_table('meter_models', _id(),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('manufacturer', sa.String(length=120), nullable=False),
    sa.Column('accuracy_class', sa.String(length=8), nullable=False),
    sa.Column('validity_years', sa.Integer(), nullable=False),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.CheckConstraint('validity_years BETWEEN 1 AND 30', name=op.f('ck_meter_models_validity_years')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_models')),
    sa.UniqueConstraint('name', name=op.f('uq_meter_models_name')))
    op.create_table('arrival_batches', _id(),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('supplier', sa.String(length=120), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('arrived_on', sa.Date(), nullable=False),
    sa.Column('state', _enum(('received', 'accepted', 'rejected'), 'batch_state'), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_arrival_batches_quantity_positive')),
    _operator_fk('arrival_batches', 'created_by_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrival_batches')),
    sa.UniqueConstraint('number', name=op.f('uq_arrival_batches_number')))
    op.create_table('acceptance_samples', _id(),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('outcome', _enum(('passed', 'failed'), 'sample_outcome'), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', UTC(timezone=True), nullable=False),
    sa.CheckConstraint('sample_size >= 1', name=op.f('ck_acceptance_samples_sample_size_positive')),
    sa.CheckConstraint('passed >= 0 AND failed >= 0 AND passed + failed = sample_size',
                       name=op.f('ck_acceptance_samples_sample_counts')),
    sa.ForeignKeyConstraint(['batch_id'], ['arrival_batches.id'],
                            name=op.f('fk_acceptance_samples_batch_id_arrival_batches')),
    _operator_fk('acceptance_samples', 'checked_by_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptance_samples')))
    op.create_index(op.f('ix_acceptance_samples_batch_id'), 'acceptance_samples', ['batch_id'])
    op.create_table('meter_assets', _id(),
    sa.Column('serial_number', sa.String(length=32), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=False),
    sa.Column('state', _enum(ASSET_STATES, 'asset_state'), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('meter_id', sa.Integer(), nullable=True),
    sa.Column('installed_at', UTC(timezone=True), nullable=True),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('next_due', sa.Date(), nullable=True),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['arrival_batches.id'],
                            name=op.f('fk_meter_assets_batch_id_arrival_batches')),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_meter_assets_meter_id_meters')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_meter_assets_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_assets')),
    sa.UniqueConstraint('meter_id', name=op.f('uq_meter_assets_meter_id')),
    sa.UniqueConstraint('serial_number', name=op.f('uq_meter_assets_serial_number')))
    for column in ('batch_id', 'model', 'site_id', 'state'):
        op.create_index(op.f(f'ix_meter_assets_{column}'), 'meter_assets', [column])
    op.create_table('meter_verifications', _id(),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('verified_on', sa.Date(), nullable=False),
    sa.Column('laboratory', sa.String(length=120), nullable=False),
    sa.Column('certificate_number', sa.String(length=60), nullable=False),
    sa.Column('result', _enum(('passed', 'failed'), 'verification_result'), nullable=False),
    sa.Column('error_percent', sa.Numeric(precision=6, scale=3), nullable=False),
    sa.Column('accuracy_class', sa.String(length=8), nullable=False),
    sa.Column('seals', sa.String(length=120), nullable=False),
    sa.Column('next_due', sa.Date(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['meter_assets.id'],
                            name=op.f('fk_meter_verifications_asset_id_meter_assets')),
    _operator_fk('meter_verifications', 'verified_by_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_verifications')))
    op.create_index(op.f('ix_meter_verifications_asset_id'), 'meter_verifications', ['asset_id'])
    op.create_table('asset_events', _id(),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum(EVENT_KINDS, 'asset_event_kind'), nullable=False),
    sa.Column('from_state', _enum(ASSET_STATES, 'asset_from_state'), nullable=True),
    sa.Column('to_state', _enum(ASSET_STATES, 'asset_to_state'), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('meter_id', sa.Integer(), nullable=True),
    sa.Column('swap_id', sa.Integer(), nullable=True),
    sa.Column('reading', shared_models.types.Energy(), nullable=True),
    sa.Column('seals', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['meter_assets.id'],
                            name=op.f('fk_asset_events_asset_id_meter_assets')),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_asset_events_meter_id_meters')),
    _operator_fk('asset_events', 'operator_id'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_asset_events_site_id_sites')),
    sa.ForeignKeyConstraint(['swap_id'], ['meter_swaps.id'],
                            name=op.f('fk_asset_events_swap_id_meter_swaps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_events')))
    op.create_index(op.f('ix_asset_events_asset_id'), 'asset_events', ['asset_id'])
    op.create_index(op.f('ix_asset_events_swap_id'), 'asset_events', ['swap_id'])
    op.create_table('scrap_requests', _id(),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('state', _enum(('pending', 'approved', 'rejected'), 'scrap_state'), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', UTC(timezone=True), nullable=True),
    sa.Column('created_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['meter_assets.id'],
                            name=op.f('fk_scrap_requests_asset_id_meter_assets')),
    _operator_fk('scrap_requests', 'decided_by_id'),
    _operator_fk('scrap_requests', 'requested_by_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scrap_requests')))
    op.create_index(op.f('ix_scrap_requests_asset_id'), 'scrap_requests', ['asset_id'])
    _carry_meters_over()
    protect(op.get_bind(), 'asset_events')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_meters_meter_status'), 'meters', type_='check')
        op.create_check_constraint(op.f('ck_meters_meter_status'), 'meters',
                                   "status IN ('not_opened', 'opened', 'closed')")


# The device's state of each old status; the account side is settled below.
_ASSET_STATE_OF = {'replaced': 'removed', 'scrapped': 'scrapped'}


def _carry_meters_over() -> None:
    bind = op.get_bind()
    meters = sa.table('meters', sa.column('id', sa.Integer), sa.column('serial_number', sa.String),
                      sa.column('model', sa.String), sa.column('site_id', sa.Integer),
                      sa.column('status', sa.String), sa.column('created_at', UTC()))
    links = sa.table('account_meters', sa.column('meter_id', sa.Integer))
    assets = sa.table('meter_assets', sa.column('id', sa.Integer),
                      sa.column('serial_number', sa.String), sa.column('model', sa.String),
                      sa.column('state', sa.String), sa.column('site_id', sa.Integer),
                      sa.column('meter_id', sa.Integer), sa.column('installed_at', UTC()),
                      sa.column('created_at', UTC()))
    events = sa.table('asset_events', sa.column('asset_id', sa.Integer),
                      sa.column('kind', sa.String), sa.column('to_state', sa.String),
                      sa.column('site_id', sa.Integer), sa.column('meter_id', sa.Integer),
                      sa.column('seals', sa.String), sa.column('reason', sa.String),
                      sa.column('at', UTC()))
    served = set(bind.scalars(sa.select(links.c.meter_id).distinct()))
    now = shared_models.types.utcnow()
    rows = bind.execute(sa.select(meters).order_by(meters.c.id)).all()
    for row in rows:
        state = _ASSET_STATE_OF.get(row.status, 'installed')
        asset_id = bind.execute(sa.insert(assets).values(
            serial_number=row.serial_number, model=row.model, state=state, site_id=row.site_id,
            meter_id=row.id, installed_at=row.created_at, created_at=now)
            .returning(assets.c.id)).scalar_one()
        bind.execute(sa.insert(events).values(
            asset_id=asset_id, kind='registered', to_state=state, site_id=row.site_id,
            meter_id=row.id, seals='', reason=f'carried over from meter status {row.status}',
            at=now))
        if row.status in _ASSET_STATE_OF:
            bind.execute(sa.update(meters).where(meters.c.id == row.id).values(
                status='closed' if row.id in served else 'not_opened'))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_meters_meter_status'), 'meters', type_='check')
        op.create_check_constraint(
            op.f('ck_meters_meter_status'), 'meters',
            "status IN ('not_opened', 'opened', 'closed', 'replaced', 'scrapped')")
    # The device's end comes back into the meter's status.
    for state, status in (('removed', 'replaced'), ('scrapped', 'scrapped')):
        bind.execute(sa.text(
            "UPDATE meters SET status = :status WHERE id IN "
            "(SELECT meter_id FROM meter_assets WHERE state = :state AND meter_id IS NOT NULL)"),
            {'status': status, 'state': state})
    unprotect(bind, 'asset_events')
    for table in ('scrap_requests', 'asset_events', 'meter_verifications', 'meter_assets',
                  'acceptance_samples', 'arrival_batches', 'meter_models'):
        op.drop_table(table)
