"""Tenant accounts: open, change, meters on and off, meter swap, close."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.announce import announce_after_commit
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict
from backoffice.idempotency import idempotent
from backoffice.resources.accounts.schemas import (
    AccountCloseSchema,
    AccountMeterRefSchema,
    AccountOpenSchema,
    AccountProfileSchema,
    AccountQuerySchema,
    AccountSchema,
    MeterSwapSchema,
)
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load, reference
from backoffice.resources.sales.keys import external_key, operator_id
from shared_models.models import Site, TenantAccount, Unit
from shared_models.sales import accounts

blp = Blueprint("accounts", __name__, url_prefix="/accounts", description="Tenant accounts")


def _check_unit(data: dict) -> None:
    if data.get("unit_id") is not None:
        reference(Unit, data["unit_id"], "unit_id")


@blp.route("")
class Accounts(MethodView):
    @requires("accounts.read")
    @blp.arguments(AccountQuerySchema, location="query")
    @blp.response(200, AccountSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List tenant accounts with their balances."""
        stmt = filter_by(select(TenantAccount), TenantAccount, args)
        return collection(restrict(stmt, TenantAccount.site_id).order_by(TenantAccount.id))

    @requires("accounts.write")
    @idempotent
    @blp.arguments(AccountOpenSchema)
    @blp.response(201, AccountSchema)
    def post(self, data):
        """Open an account (开户) on new meters, with an optional opening balance."""
        reference(Site, data["site_id"], "site_id")
        _check_unit(data)
        account = accounts.open_account(database.session(), data, operator_id=operator_id(),
                                        external_key=external_key())
        announce_after_commit(database.session(), getattr(account, "command_ids", ()))
        return account


@blp.route("/<int:account_id>")
class AccountById(MethodView):
    @requires("accounts.read")
    @blp.response(200, AccountSchema)
    def get(self, account_id):
        """Get an account, its meters and where its money is."""
        return load(TenantAccount, account_id)

    @requires("accounts.write")
    @blp.arguments(AccountProfileSchema(partial=True))
    @blp.response(200, AccountSchema)
    def patch(self, data, account_id):
        """Change the tenant's details, thresholds, credit cap or arrears rule (those a contract
        in force sets are refused: they change by a supplement)."""
        account = load(TenantAccount, account_id)
        _check_unit(data)
        return accounts.update_account(database.session(), account, data)


@blp.route("/<int:account_id>/meters")
class AccountMeters(MethodView):
    @requires("accounts.write")
    @blp.arguments(AccountMeterRefSchema)
    @blp.response(200, AccountSchema)
    def post(self, data, account_id):
        """Attach another meter to the account."""
        account = load(TenantAccount, account_id)
        return accounts.add_meter(database.session(), account, data["meter_id"])


@blp.route("/<int:account_id>/meters/<int:meter_id>")
class AccountMeterById(MethodView):
    @requires("accounts.write")
    @blp.response(200, AccountSchema)
    def delete(self, account_id, meter_id):
        """Take a meter off the account."""
        return accounts.remove_meter(database.session(), load(TenantAccount, account_id), meter_id)


@blp.route("/<int:account_id>/swaps")
class MeterSwaps(MethodView):
    @requires("accounts.write")
    @idempotent
    @blp.arguments(MeterSwapSchema)
    @blp.response(201, MeterSwapSchema)
    def post(self, data, account_id):
        """Swap a meter (换表), carrying history and balance over."""
        account = load(TenantAccount, account_id)
        return accounts.swap_meter(database.session(), account, data, operator_id=operator_id())


@blp.route("/<int:account_id>/close")
class AccountClose(MethodView):
    @requires("accounts.write")
    @idempotent
    @blp.arguments(AccountCloseSchema)
    @blp.response(200, AccountSchema)
    def post(self, data, account_id):
        """Close the account (销户): final charge, refund of the rest."""
        account = load(TenantAccount, account_id)
        return accounts.close_account(database.session(), account, data,
                                      operator_id=operator_id(), external_key=external_key())
