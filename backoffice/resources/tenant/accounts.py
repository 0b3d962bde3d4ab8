"""A tenant's own accounts: home, usage, a day in hours, history and receipts.

Every id in a path is checked against the signed-in tenant's phone: another tenant's account,
sale or order answers 404 exactly as a missing one does.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from backoffice import database
from backoffice.auth.permissions import tenant_only
from backoffice.auth.tenant import own_account
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.tenant import day, overview
from backoffice.resources.tenant.schemas import (
    TenantDayQuerySchema,
    TenantHistoryRowSchema,
    TenantHomeSchema,
    TenantHourSchema,
    TenantReceiptSchema,
    TenantUsageQuerySchema,
    TenantUsageRowSchema,
)
from shared_models.metering.band_usage import account_band_usage
from shared_models.metering.energy import Granularity
from shared_models.models import Operator, Sale, Site
from shared_models.models.sales import SaleStatus
from shared_models.types import utcnow

blp = Blueprint("tenant", __name__, url_prefix="/tenant",
                description="A tenant's own accounts, from their phone (a tenant session)")

HISTORY_LIMIT = 100


@blp.route("/accounts/<int:account_id>")
class Home(MethodView):
    @tenant_only
    @blp.response(200, TenantHomeSchema)
    def get(self, account_id):
        """The home screen: balance, supply, thresholds, days left, tariff and band now."""
        return overview.home(database.session(), own_account(account_id))


@blp.route("/accounts/<int:account_id>/usage")
class Usage(MethodView):
    @tenant_only
    @blp.arguments(TenantUsageQuerySchema, location="query")
    @blp.response(200, TenantUsageRowSchema(many=True))
    def get(self, args, account_id):
        """kWh by band: the last 30 days, or the last 12 months (with this one)."""
        account = own_account(account_id)
        db = database.session()
        today = utcnow().astimezone(ZoneInfo(db.get(Site, account.site_id).timezone)).date()
        if args["granularity"] == Granularity.DAY:
            first = today.fromordinal(today.toordinal() - 29)
        else:
            first = today.replace(year=today.year - 1, day=1)
            first = first.replace(month=first.month % 12 + 1, year=first.year + first.month // 12)
        rows = account_band_usage(db, account.id, args["granularity"], first, today)
        return [{"period": r.period, "total": r.total, **{b.value: v for b, v in r.bands.items()}}
                for r in rows]


@blp.route("/accounts/<int:account_id>/day")
class Day(MethodView):
    @tenant_only
    @blp.arguments(TenantDayQuerySchema, location="query")
    @blp.response(200, TenantHourSchema(many=True))
    def get(self, args, account_id):
        """One local day in hours: kWh used and the power last read in each hour."""
        return day.hours_of(database.session(), own_account(account_id), args["day"])


def _row(sale: Sale) -> dict:
    return {"id": sale.id, "kind": sale.kind.value, "channel": sale.channel.value,
            "amount": sale.amount, "balance_after": sale.balance_after,
            "receipt_number": sale.receipt_number, "at": sale.completed_at or sale.created_at}


@blp.route("/accounts/<int:account_id>/history")
class History(MethodView):
    @tenant_only
    @blp.response(200, TenantHistoryRowSchema(many=True))
    def get(self, account_id):
        """Recharges, refunds and reversals, newest first (the last 100)."""
        account = own_account(account_id)
        sales = database.session().scalars(
            select(Sale).where(Sale.account_id == account.id,
                               Sale.status.in_((SaleStatus.COMPLETED, SaleStatus.REVERSED)))
            .order_by(Sale.id.desc()).limit(HISTORY_LIMIT))
        return [_row(s) for s in sales]


@blp.route("/accounts/<int:account_id>/receipts/<int:sale_id>")
class Receipt(MethodView):
    @tenant_only
    @blp.response(200, TenantReceiptSchema)
    def get(self, account_id, sale_id):
        """A receipt to show or print."""
        account = own_account(account_id)
        db = database.session()
        sale = db.get(Sale, sale_id)
        if sale is None or sale.account_id != account.id or sale.receipt_number is None:
            abort(404, message="No such receipt.")
        site = db.get(Site, sale.site_id)
        operator = db.get(Operator, sale.operator_id) if sale.operator_id else None
        at = sale.completed_at or sale.created_at
        return {**_row(sale), "site_name": site.name, "account_number": account.number,
                "tenant_name": account.tenant_name, "meters": [m.serial_number for m in account.meters],
                "local_time": at.astimezone(ZoneInfo(site.timezone)).strftime("%Y-%m-%d %H:%M:%S"),
                "operator": (operator.display_name or operator.username) if operator else ""}
