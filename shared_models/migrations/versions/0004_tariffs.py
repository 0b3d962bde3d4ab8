"""tariff plans, dated versions, assignments

Revision ID: 0004_tariffs
Revises: 0003_metering
Create Date: 2026-11-20 22:40:00.000000

Tariff plans per site, their versions (the engine's tariff as JSON, draft or published) and
where each plan applies (a meter, an account, or the site by default). The database refuses
to change or delete a published version.
"""

import sqlalchemy as sa
from alembic import op

import shared_models.types

revision = '0004_tariffs'
down_revision = '0003_metering'
branch_labels = None
depends_on = None

_PUBLISHED = sa.text("status = 'published'")
_SITE_DEFAULT = sa.text("meter_id IS NULL AND account_id IS NULL")


def upgrade() -> None:
    op.create_table('tariff_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_tariff_plans_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_plans')),
    sa.UniqueConstraint('site_id', 'code', name=op.f('uq_tariff_plans_site_id_code'))
    )
    with op.batch_alter_table('tariff_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_plans_site_id'), ['site_id'], unique=False)

    op.create_table('tariff_plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('tariff', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='tariff_version_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['operators.id'], name=op.f('fk_tariff_plan_versions_created_by_id_operators')),
    sa.ForeignKeyConstraint(['plan_id'], ['tariff_plans.id'], name=op.f('fk_tariff_plan_versions_plan_id_tariff_plans')),
    sa.ForeignKeyConstraint(['published_by_id'], ['operators.id'], name=op.f('fk_tariff_plan_versions_published_by_id_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_plan_versions'))
    )
    with op.batch_alter_table('tariff_plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_plan_versions_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index('ux_tariff_plan_versions_published', ['plan_id', 'effective_from'], unique=True, postgresql_where=_PUBLISHED, sqlite_where=_PUBLISHED)

    op.create_table('tariff_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('meter_id IS NULL OR account_id IS NULL', name=op.f('ck_tariff_assignments_one_target')),
    sa.ForeignKeyConstraint(['account_id'], ['tenant_accounts.id'], name=op.f('fk_tariff_assignments_account_id_tenant_accounts')),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_tariff_assignments_meter_id_meters')),
    sa.ForeignKeyConstraint(['plan_id'], ['tariff_plans.id'], name=op.f('fk_tariff_assignments_plan_id_tariff_plans')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_tariff_assignments_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_assignments')),
    sa.UniqueConstraint('account_id', name=op.f('uq_tariff_assignments_account_id')),
    sa.UniqueConstraint('meter_id', name=op.f('uq_tariff_assignments_meter_id'))
    )
    with op.batch_alter_table('tariff_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_assignments_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tariff_assignments_site_id'), ['site_id'], unique=False)
        batch_op.create_index('ux_tariff_assignments_site_default', ['site_id'], unique=True, postgresql_where=_SITE_DEFAULT, sqlite_where=_SITE_DEFAULT)

    # What was billed with a published version must stay explainable: it never changes.
    for statement in _freeze_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in _thaw_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('tariff_assignments', schema=None) as batch_op:
        batch_op.drop_index('ux_tariff_assignments_site_default', postgresql_where=_SITE_DEFAULT, sqlite_where=_SITE_DEFAULT)
        batch_op.drop_index(batch_op.f('ix_tariff_assignments_site_id'))
        batch_op.drop_index(batch_op.f('ix_tariff_assignments_plan_id'))

    op.drop_table('tariff_assignments')
    with op.batch_alter_table('tariff_plan_versions', schema=None) as batch_op:
        batch_op.drop_index('ux_tariff_plan_versions_published', postgresql_where=_PUBLISHED, sqlite_where=_PUBLISHED)
        batch_op.drop_index(batch_op.f('ix_tariff_plan_versions_plan_id'))

    op.drop_table('tariff_plan_versions')
    with op.batch_alter_table('tariff_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_plans_site_id'))

    op.drop_table('tariff_plans')


def _freeze_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION wk_refuse_published_tariff() RETURNS trigger AS $$ BEGIN "
            "IF OLD.status = 'published' THEN "
            "RAISE EXCEPTION 'published tariff version %: % refused', OLD.id, TG_OP; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; "
            "END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER tariff_plan_versions_frozen BEFORE UPDATE OR DELETE "
            "ON tariff_plan_versions FOR EACH ROW EXECUTE FUNCTION wk_refuse_published_tariff()",
        ]
    return [
        f"CREATE TRIGGER tariff_plan_versions_no_{action.lower()} BEFORE {action} "
        "ON tariff_plan_versions WHEN OLD.status = 'published' "
        f"BEGIN SELECT RAISE(ABORT, 'published tariff version: {action} refused'); END"
        for action in ("UPDATE", "DELETE")
    ]


def _thaw_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS tariff_plan_versions_frozen ON tariff_plan_versions",
                "DROP FUNCTION IF EXISTS wk_refuse_published_tariff()"]
    return ["DROP TRIGGER IF EXISTS tariff_plan_versions_no_update",
            "DROP TRIGGER IF EXISTS tariff_plan_versions_no_delete"]
