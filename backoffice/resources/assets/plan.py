"""The rotation plan, scrap approvals, the stock report and per-model validity."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import or_, select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import visible_site_ids
from backoffice.idempotency import idempotent
from backoffice.resources.assets import schemas
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, collection, download, load, reference
from backoffice.resources.sales.keys import operator_id
from shared_models import registry
from shared_models.assets import rotation, scrapping, stock
from shared_models.models import Bus, Meter, MeterAsset, MeterModel, ScrapRequest, Site
from shared_models.sales import rotation as carrying
from shared_models.types import utcnow
from shared_models.workbooks import xlsx
from shared_models.workbooks.xlsx import SheetSpec

blp = Blueprint("asset_plan", __name__, url_prefix="/asset-plan",
                description="Rotation plan (轮换), scrap approval (报废), stock reports, meter models")


def _sites(args: dict):
    if "site_id" in args:
        return [load(Site, args["site_id"]).id]
    allowed = visible_site_ids()
    return None if allowed is None else sorted(allowed)


def _due(args: dict):
    return rotation.due_list(database.session(), today=utcnow().date(),
                             horizon_days=args["horizon_days"], site_ids=_sites(args))


@blp.route("/rotation")
class Rotation(MethodView):
    @requires("assets.read")
    @blp.arguments(schemas.RotationQuerySchema, location="query")
    @blp.response(200, schemas.RotationDueSchema(many=True))
    def get(self, args):
        """Meters due for verification or replacement within the horizon, soonest first."""
        return _due(args)


@blp.route("/rotation/export")
class RotationExport(MethodView):
    @requires("assets.read")
    @blp.arguments(schemas.RotationQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=xlsx.MIME_TYPE)
    def get(self, args):
        """The rotation plan as a workbook."""
        rows = ([r.meter_id, r.serial_number, r.model, r.site_id, r.bus_id, r.unit_id or "",
                 r.since, r.due_on, r.reason, "yes" if r.overdue else ""] for r in _due(args))
        sheet = SheetSpec("Rotation", ("Meter", "Serial number", "Model", "Site", "Bus", "Unit",
                                       "Since", "Due on", "Reason", "Overdue"), rows)
        return download(xlsx.write_workbook([sheet], [("Report", "Rotation plan 轮换计划")]),
                        "wattkeeper-rotation.xlsx")


@blp.route("/rotation/meters/<int:meter_id>")
class RotateMeter(MethodView):
    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.RotationSwapSchema)
    @blp.response(201, schemas.RotationResultSchema)
    def post(self, data, meter_id):
        """Replace a due meter by a dispatched one: installed at its place, swapped on its
        account through the swap service (or simply removed when it serves no account)."""
        load(Meter, meter_id)
        load(MeterAsset, data["new_asset_id"])
        if data.get("bus_id"):
            reference(Bus, data["bus_id"], "bus_id")
        asset, swap = carrying.carry_out(database.session(), meter_id, data,
                                         operator_id=operator_id())
        return {"asset": asset, "swap_id": swap.id if swap else None}


@blp.route("/scrap-requests")
class ScrapRequests(MethodView):
    @requires("assets.read")
    @blp.arguments(schemas.ScrapRequestQuerySchema, location="query")
    @blp.response(200, schemas.ScrapRequestSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Scrap requests, newest first."""
        stmt = select(ScrapRequest).join(MeterAsset, MeterAsset.id == ScrapRequest.asset_id)
        if args.get("state"):
            stmt = stmt.where(ScrapRequest.state == args["state"])
        allowed = visible_site_ids()
        if allowed is not None:
            stmt = stmt.where(or_(MeterAsset.site_id.in_(allowed), MeterAsset.site_id.is_(None)))
        return collection(stmt.order_by(ScrapRequest.id.desc()))


def _decide(request_id: int, decide):
    row = registry.get(database.session(), ScrapRequest, request_id)
    load(MeterAsset, row.asset_id)  # the caller sees the asset's site
    return decide(database.session(), request_id, operator_id=operator_id())


@blp.route("/scrap-requests/<int:request_id>/approve")
class ScrapApprove(MethodView):
    @requires("assets.approve")
    @idempotent
    @blp.response(200, schemas.ScrapRequestSchema)
    def post(self, request_id):
        """Approve scrapping (by another person than the one who asked)."""
        return _decide(request_id, scrapping.approve)


@blp.route("/scrap-requests/<int:request_id>/reject")
class ScrapReject(MethodView):
    @requires("assets.approve")
    @idempotent
    @blp.response(200, schemas.ScrapRequestSchema)
    def post(self, request_id):
        """Turn a scrap request down; the meter stays where it is."""
        return _decide(request_id, scrapping.reject)


@blp.route("/stock")
class Stock(MethodView):
    @requires("assets.read")
    @blp.arguments(schemas.AssetStockQuerySchema, location="query")
    @blp.response(200, schemas.AssetStockSchema(many=True))
    def get(self, args):
        """Meters counted by state, model and site (no site: the central store)."""
        return stock.stock(database.session(), _sites(args))


@blp.route("/stock/export")
class StockExport(MethodView):
    @requires("assets.read")
    @blp.arguments(schemas.AssetStockQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=xlsx.MIME_TYPE)
    def get(self, args):
        """The stock report as a workbook."""
        rows = ([r["state"].value, r["model"], r["site_id"] or "", r["count"]]
                for r in stock.stock(database.session(), _sites(args)))
        sheet = SheetSpec("Stock", ("State", "Model", "Site", "Count"), rows)
        return download(xlsx.write_workbook([sheet], [("Report", "Meter stock 表计库存")]),
                        "wattkeeper-meter-stock.xlsx")


@blp.route("/models")
class MeterModels(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.MeterModelSchema(many=True))
    def get(self):
        """Meter models and how long each one's verification stays valid."""
        return database.session().scalars(select(MeterModel).order_by(MeterModel.name)).all()

    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.MeterModelSchema)
    @blp.response(200, schemas.MeterModelSchema)
    def put(self, data):
        """Create or change a model's validity (8 years for electronic meters by default)."""
        db = database.session()
        model = db.scalar(select(MeterModel).where(MeterModel.name == data["name"])) or MeterModel()
        for name, value in data.items():
            setattr(model, name, value)
        db.add(model)
        db.flush()
        return model
