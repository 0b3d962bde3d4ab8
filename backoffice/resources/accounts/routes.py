"""Tenant accounts: open, change, meters on and off, meter swap, close."""

from flask.views import MethodView
from flask_smorest import Blueprint, Page
from sqlalchemy import select

from backoffice import database
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
from backoffice.resources.common import collection, filter_by, load, reference
from backoffice.resources.sales.keys import external_key, operator_id
from shared_models.models import Site, TenantAccount, Unit
from shared_models.services import accounts

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
        stmt = filter_by(select(TenantAccount), TenantAccount, args)
        return collection(restrict(stmt, TenantAccount.site_id).order_by(TenantAccount.id))

    @requires("accounts.write")
    @idempotent
    @blp.arguments(AccountOpenSchema)
    @blp.response(201, AccountSchema)
    def post(self, data):
        reference(Site, data["site_id"], "site_id")
        _check_unit(data)
        return accounts.open_account(database.session(), data, operator_id=operator_id(),
                                     external_key=external_key())


@blp.route("/<int:account_id>")
class AccountById(MethodView):
    @requires("accounts.read")
    @blp.response(200, AccountSchema)
    def get(self, account_id):
        return load(TenantAccount, account_id)

    @requires("accounts.write")
    @blp.arguments(AccountProfileSchema(partial=True))
    @blp.response(200, AccountSchema)
    def patch(self, data, account_id):
        account = load(TenantAccount, account_id)
        _check_unit(data)
        return accounts.update_account(database.session(), account, data)


@blp.route("/<int:account_id>/meters")
class AccountMeters(MethodView):
    @requires("accounts.write")
    @blp.arguments(AccountMeterRefSchema)
    @blp.response(200, AccountSchema)
    def post(self, data, account_id):
        account = load(TenantAccount, account_id)
        return accounts.add_meter(database.session(), account, data["meter_id"])


@blp.route("/<int:account_id>/meters/<int:meter_id>")
class AccountMeterById(MethodView):
    @requires("accounts.write")
    @blp.response(200, AccountSchema)
    def delete(self, account_id, meter_id):
        return accounts.remove_meter(database.session(), load(TenantAccount, account_id), meter_id)


@blp.route("/<int:account_id>/swaps")
class MeterSwaps(MethodView):
    @requires("accounts.write")
    @idempotent
    @blp.arguments(MeterSwapSchema)
    @blp.response(201, MeterSwapSchema)
    def post(self, data, account_id):
        account = load(TenantAccount, account_id)
        return accounts.swap_meter(database.session(), account, data, operator_id=operator_id())


@blp.route("/<int:account_id>/close")
class AccountClose(MethodView):
    @requires("accounts.write")
    @idempotent
    @blp.arguments(AccountCloseSchema)
    @blp.response(200, AccountSchema)
    def post(self, data, account_id):
        account = load(TenantAccount, account_id)
        return accounts.close_account(database.session(), account, data,
                                      operator_id=operator_id(), external_key=external_key())
