"""Gateways (communication managers) and their RS485 buses."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load, reference
from backoffice.resources.gateways.schemas import (
    GatewayQuerySchema,
    GatewaySchema,
    GatewayUpdateSchema,
)
from shared_models import registry
from shared_models.models import Gateway, Site

blp = Blueprint("gateways", __name__, url_prefix="/gateways", description="Gateways and buses")


@blp.route("")
class Gateways(MethodView):
    @requires("registry.read")
    @blp.arguments(GatewayQuerySchema, location="query")
    @blp.response(200, GatewaySchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List gateways."""
        stmt = filter_by(select(Gateway), Gateway, args)
        return collection(restrict(stmt, Gateway.site_id).order_by(Gateway.id))

    @requires("registry.write")
    @idempotent
    @blp.arguments(GatewaySchema)
    @blp.response(201, GatewaySchema)
    def post(self, data):
        """Add a gateway with its buses."""
        reference(Site, data["site_id"], "site_id")
        return registry.save_gateway(database.session(), data)


@blp.route("/<int:gateway_id>")
class GatewayById(MethodView):
    @requires("registry.read")
    @blp.response(200, GatewaySchema)
    def get(self, gateway_id):
        """Get a gateway and its buses."""
        return load(Gateway, gateway_id)

    @requires("registry.write")
    @blp.arguments(GatewayUpdateSchema(partial=True))
    @blp.response(200, GatewaySchema)
    def patch(self, data, gateway_id):
        """Change a gateway (its bus count too)."""
        gateway = load(Gateway, gateway_id)
        if "site_id" in data:
            reference(Site, data["site_id"], "site_id")
        return registry.save_gateway(database.session(), data, gateway)

    @requires("registry.write")
    @blp.response(204)
    def delete(self, gateway_id):
        """Delete a gateway without meters."""
        registry.delete(database.session(), load(Gateway, gateway_id))
