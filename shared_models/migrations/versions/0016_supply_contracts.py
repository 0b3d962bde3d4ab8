"""supply contracts: templates and versions, contracts, their history and signed PDFs, an account's own credit cap

Revision ID: 0016_supply_contracts
Revises: 0015_postpaid_billing
Create Date: 2026-11-29 09:34:57.057367

A contract in force sets its account's credit cap, alarm thresholds and arrears rule; the
credit cap, until now the site's alone, gets a column on the account (empty: the site's).
A contract's history and its signed PDF are append-only.
"""

from alembic import op
import sqlalchemy as sa
import shared_models.types
from shared_models.append_only import protect, unprotect

# Plain ALTER TABLE ADD/DROP COLUMN on `tenant_accounts` (SQLite 3.35+): copying it the batch
# way would drop a table the ledger and sales refer to.
_IN_PLACE = {'recreate': 'never'}


revision = '0016_supply_contracts'
down_revision = '0015_postpaid_billing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contract_settings',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('renewal_lead_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_contract_settings_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_contract_settings'))
    )
    op.create_table('contract_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_contract_templates_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_templates')),
    sa.UniqueConstraint('site_id', 'name', name=op.f('uq_contract_templates_site_id_name'))
    )
    with op.batch_alter_table('contract_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_templates_site_id'), ['site_id'], unique=False)

    op.create_table('contract_template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'published', name='contract_template_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('variables', sa.JSON(), nullable=False),
    sa.Column('clauses', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['operators.id'], name=op.f('fk_contract_template_versions_created_by_id_operators')),
    sa.ForeignKeyConstraint(['published_by_id'], ['operators.id'], name=op.f('fk_contract_template_versions_published_by_id_operators')),
    sa.ForeignKeyConstraint(['template_id'], ['contract_templates.id'], name=op.f('fk_contract_template_versions_template_id_contract_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_template_versions')),
    sa.UniqueConstraint('template_id', 'number', name=op.f('uq_contract_template_versions_template_id_number'))
    )
    with op.batch_alter_table('contract_template_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_template_versions_template_id'), ['template_id'], unique=False)

    op.create_table('supply_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=48), nullable=False),
    sa.Column('kind', sa.Enum('new', 'supplement', 'resign', name='contract_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('state', sa.Enum('draft', 'approved', 'in_force', 'superseded', 'terminated', 'cancelled', name='contract_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('template_version_id', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('edited_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('signers', sa.JSON(), nullable=False),
    sa.Column('in_force_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', shared_models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=255), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('archive_cabinet', sa.String(length=32), nullable=False),
    sa.Column('archive_box', sa.String(length=32), nullable=False),
    sa.Column('archive_number', sa.String(length=32), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['tenant_accounts.id'], name=op.f('fk_supply_contracts_account_id_tenant_accounts')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['operators.id'], name=op.f('fk_supply_contracts_approved_by_id_operators')),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['operators.id'], name=op.f('fk_supply_contracts_drafted_by_id_operators')),
    sa.ForeignKeyConstraint(['edited_by_id'], ['operators.id'], name=op.f('fk_supply_contracts_edited_by_id_operators')),
    sa.ForeignKeyConstraint(['previous_id'], ['supply_contracts.id'], name=op.f('fk_supply_contracts_previous_id_supply_contracts')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_supply_contracts_site_id_sites')),
    sa.ForeignKeyConstraint(['template_version_id'], ['contract_template_versions.id'], name=op.f('fk_supply_contracts_template_version_id_contract_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_contracts')),
    sa.UniqueConstraint('site_id', 'number', name=op.f('uq_supply_contracts_site_id_number'))
    )
    with op.batch_alter_table('supply_contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supply_contracts_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supply_contracts_site_id'), ['site_id'], unique=False)
        batch_op.create_index('ux_supply_contracts_in_force', ['account_id'], unique=True, postgresql_where=sa.text("state = 'in_force'"), sqlite_where=sa.text("state = 'in_force'"))

    op.create_table('supply_contract_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['supply_contracts.id'], name=op.f('fk_supply_contract_changes_contract_id_supply_contracts')),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_supply_contract_changes_operator_id_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_contract_changes'))
    )
    with op.batch_alter_table('supply_contract_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supply_contract_changes_contract_id'), ['contract_id'], unique=False)

    op.create_table('supply_contract_documents',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', shared_models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['supply_contracts.id'], name=op.f('fk_supply_contract_documents_contract_id_supply_contracts')),
    sa.PrimaryKeyConstraint('contract_id', name=op.f('pk_supply_contract_documents'))
    )
    protect(op.get_bind(), 'supply_contract_changes')
    protect(op.get_bind(), 'supply_contract_documents')

    with op.batch_alter_table('tenant_accounts', schema=None, **_IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('credit_cap', shared_models.types.Money(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tenant_accounts', schema=None, **_IN_PLACE) as batch_op:
        batch_op.drop_column('credit_cap')

    unprotect(op.get_bind(), 'supply_contract_documents')
    unprotect(op.get_bind(), 'supply_contract_changes')
    op.drop_table('supply_contract_documents')

    with op.batch_alter_table('supply_contract_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supply_contract_changes_contract_id'))

    op.drop_table('supply_contract_changes')
    with op.batch_alter_table('supply_contracts', schema=None) as batch_op:
        batch_op.drop_index('ux_supply_contracts_in_force', postgresql_where=sa.text("state = 'in_force'"), sqlite_where=sa.text("state = 'in_force'"))
        batch_op.drop_index(batch_op.f('ix_supply_contracts_site_id'))
        batch_op.drop_index(batch_op.f('ix_supply_contracts_account_id'))

    op.drop_table('supply_contracts')
    with op.batch_alter_table('contract_template_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_template_versions_template_id'))

    op.drop_table('contract_template_versions')
    with op.batch_alter_table('contract_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_templates_site_id'))

    op.drop_table('contract_templates')
    op.drop_table('contract_settings')
