"""Meters: where each one sits on a bus and in a building, and how it is kept prepaid."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load, reference
from backoffice.resources.meters.schemas import MeterQuerySchema, MeterSchema
from shared_models import registry
from shared_models.models import Bus, Floor, Meter, Unit

blp = Blueprint("meters", __name__, url_prefix="/meters", description="Meters")


def _meter_query(args: dict):
    args = dict(args)
    gateway_id = args.pop("gateway_id", None)
    building_id = args.pop("building_id", None)
    floor_id = args.pop("floor_id", None)
    stmt = filter_by(select(Meter), Meter, args)
    if gateway_id is not None:
        stmt = stmt.join(Bus, Meter.bus_id == Bus.id).where(Bus.gateway_id == gateway_id)
    if building_id is not None or floor_id is not None:
        stmt = stmt.join(Unit, Meter.unit_id == Unit.id)
    if floor_id is not None:
        stmt = stmt.where(Unit.floor_id == floor_id)
    if building_id is not None:
        stmt = (stmt.join(Floor, Unit.floor_id == Floor.id)
                .where(Floor.building_id == building_id))
    return restrict(stmt, Meter.site_id).order_by(Meter.id)


def _check_references(data: dict) -> None:
    if "bus_id" in data:
        reference(Bus, data["bus_id"], "bus_id")
    if data.get("unit_id") is not None:
        reference(Unit, data["unit_id"], "unit_id")


@blp.route("")
class Meters(MethodView):
    @requires("registry.read")
    @blp.arguments(MeterQuerySchema, location="query")
    @blp.response(200, MeterSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List meters."""
        return collection(_meter_query(args))

    @requires("registry.write")
    @idempotent
    @blp.arguments(MeterSchema)
    @blp.response(201, MeterSchema)
    def post(self, data):
        """Register a meter on a bus."""
        _check_references(data)
        return registry.save_meter(database.session(), data)


@blp.route("/<int:meter_id>")
class MeterById(MethodView):
    @requires("registry.read")
    @blp.response(200, MeterSchema)
    def get(self, meter_id):
        """Get a meter."""
        return load(Meter, meter_id)

    @requires("registry.write")
    @blp.arguments(MeterSchema(partial=True))
    @blp.response(200, MeterSchema)
    def patch(self, data, meter_id):
        """Change a meter."""
        meter = load(Meter, meter_id)
        _check_references(data)
        return registry.save_meter(database.session(), data, meter)

    @requires("registry.write")
    @blp.response(204)
    def delete(self, meter_id):
        """Delete a meter that was never opened."""
        registry.delete(database.session(), load(Meter, meter_id))
