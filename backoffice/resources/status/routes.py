"""Meter status for the screens: newest reading, relay, online, balance and alarm level per
meter, and energy per local day or month for a meter or an account."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask.views import MethodView
from flask_smorest import Page

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import visible_site_ids
from backoffice.pagination import MappingCollection
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, download, load
from backoffice.resources.status import schemas
from shared_models.metering import energy, status_list
from shared_models.models import Building, Floor, Meter, Site, TenantAccount
from shared_models.workbooks.xlsx import MIME_TYPE, SheetSpec, write_workbook

blp = Blueprint("status", __name__, description="Meter status and energy (for the screens)")
MAX_PAGE_SIZE = 2000


def _query(args):
    if args.get("site_id") is not None:
        load(Site, args["site_id"])
    if args.get("building_id") is not None:
        load(Building, args["building_id"])
    if args.get("floor_id") is not None:
        load(Floor, args["floor_id"])
    if args.get("account_id") is not None:
        load(TenantAccount, args["account_id"])
    return status_list.status_query(site_ids=visible_site_ids(), **args)


@blp.route("/meter-status")
class MeterStatusList(MethodView):
    @requires("registry.read")
    @blp.arguments(schemas.StatusQuerySchema, location="query")
    @blp.response(200, schemas.MeterStatusSchema(many=True))
    @blp.paginate(Page, max_page_size=MAX_PAGE_SIZE)
    def get(self, args):
        """Per meter: newest reading, relay, online, balance and alarm level (pages of up to
        2,000: the monitor's wall of tiles may show a whole building)."""
        return MappingCollection(database.session(), _query(args))


@blp.route("/meter-status/export")
class MeterStatusExport(MethodView):
    @requires("registry.read")
    @blp.arguments(schemas.StatusQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The list as .xlsx")
    def get(self, args):
        """The meter status list as a workbook."""
        db = database.session()
        sheet = SheetSpec("Meter status", status_list.COLUMNS,
                          status_list.sheet_rows(db, _query(args)))
        spool = write_workbook([sheet], [("Report", "Meter status 表计状态"),
                                         ("Balance", "wallet (remote mode) or meter (local mode)")])
        return download(spool, f"wattkeeper-meter-status-{date.today():%Y%m%d}.xlsx")


def _energy(site: Site, args, compute) -> dict:
    zone = ZoneInfo(site.timezone)
    last = args.get("to") or datetime.now(zone).date()
    granularity = args["granularity"]
    default_first = (last - timedelta(days=29) if granularity == energy.Granularity.DAY
                     else (last.replace(day=1) - timedelta(days=31 * 11)).replace(day=1))
    rows = compute(granularity, args.get("from_") or default_first, last)
    return {"granularity": granularity, "timezone": site.timezone, "rows": rows,
            "total": sum((row.energy for row in rows), Decimal("0.00"))}


@blp.route("/meters/<int:meter_id>/energy")
class MeterEnergy(MethodView):
    @requires("registry.read")
    @blp.arguments(schemas.EnergyQuerySchema, location="query")
    @blp.response(200, schemas.EnergySchema)
    def get(self, args, meter_id):
        """Energy per local day or month, carried across meter swaps."""
        meter = load(Meter, meter_id)
        db = database.session()
        return _energy(db.get(Site, meter.site_id), args,
                       lambda *a: energy.meter_energy(db, meter.id, *a))


@blp.route("/accounts/<int:account_id>/energy")
class AccountEnergy(MethodView):
    @requires("accounts.read")
    @blp.arguments(schemas.EnergyQuerySchema, location="query")
    @blp.response(200, schemas.EnergySchema)
    def get(self, args, account_id):
        """Energy per local day or month over every meter while it was on the account."""
        account = load(TenantAccount, account_id)
        db = database.session()
        return _energy(db.get(Site, account.site_id), args,
                       lambda *a: energy.account_energy(db, account.id, *a))
