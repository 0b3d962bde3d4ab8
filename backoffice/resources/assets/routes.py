"""Metering assets: each meter's state, events, verifications and certificate, and its moves."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import or_, select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import visible_site_ids
from backoffice.idempotency import idempotent
from backoffice.resources.assets import schemas
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load, reference
from backoffice.resources.sales.keys import operator_id
from shared_models.assets import lifecycle, scrapping, verification
from shared_models.models import Bus, Meter, MeterAsset, Site, Unit, Verification
from shared_models.models.assets import AssetEvent, EventKind

blp = Blueprint("assets", __name__, url_prefix="/assets",
                description="Metering assets (电能计量): a meter's life from arrival to scrapping")


def _visible(stmt):
    # Meters in the central store (no site yet) are seen by everyone who sees assets.
    allowed = visible_site_ids()
    if allowed is None:
        return stmt
    return stmt.where(or_(MeterAsset.site_id.in_(allowed), MeterAsset.site_id.is_(None)))


@blp.route("")
class Assets(MethodView):
    @requires("assets.read")
    @blp.arguments(schemas.AssetQuerySchema, location="query")
    @blp.response(200, schemas.AssetSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List metering assets."""
        return collection(_visible(filter_by(select(MeterAsset), MeterAsset, args))
                          .order_by(MeterAsset.id))


@blp.route("/<int:asset_id>")
class AssetById(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.AssetSchema)
    def get(self, asset_id):
        """Get a metering asset."""
        return load(MeterAsset, asset_id)


@blp.route("/<int:asset_id>/events")
class AssetEvents(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.AssetEventSchema(many=True))
    @blp.paginate(Page)
    def get(self, asset_id):
        """The asset's history: every move with its reading and seals, oldest first."""
        load(MeterAsset, asset_id)
        return collection(select(AssetEvent).where(AssetEvent.asset_id == asset_id)
                          .order_by(AssetEvent.id))


@blp.route("/<int:asset_id>/verifications")
class AssetVerifications(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.MeterVerificationSchema(many=True))
    @blp.paginate(Page)
    def get(self, asset_id):
        """The asset's verification records, newest first."""
        load(MeterAsset, asset_id)
        return collection(select(Verification).where(Verification.asset_id == asset_id)
                          .order_by(Verification.verified_on.desc(), Verification.id.desc()))

    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.MeterVerificationSchema)
    @blp.response(201, schemas.MeterVerificationSchema)
    def post(self, data, asset_id):
        """Record a verification (检定): passed puts the meter in stock, failed in repair."""
        load(MeterAsset, asset_id)
        return verification.verify(database.session(), asset_id, data, operator_id=operator_id())


@blp.route("/<int:asset_id>/certificate")
class AssetCertificate(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.MeterCertificateSchema)
    def get(self, asset_id):
        """The meter's latest verification certificate, to print for a tenant who disputes a
        reading."""
        return verification.certificate(database.session(), load(MeterAsset, asset_id))


@blp.route("/by-meter/<int:meter_id>/certificate")
class MeterCertificate(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.MeterCertificateSchema)
    def get(self, meter_id):
        """The certificate of the device a registry meter is."""
        meter = load(Meter, meter_id)
        return verification.certificate_of_meter(database.session(), meter)


@blp.route("/<int:asset_id>/dispatch")
class AssetDispatch(MethodView):
    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.AssetDispatchSchema)
    @blp.response(200, schemas.AssetSchema)
    def post(self, data, asset_id):
        """Send a meter from stock to a site."""
        load(MeterAsset, asset_id)
        reference(Site, data["site_id"], "site_id")
        return lifecycle.dispatch(database.session(), asset_id, data["site_id"],
                                  operator_id=operator_id(), reason=data["reason"])


@blp.route("/<int:asset_id>/recall")
class AssetRecall(MethodView):
    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.AssetReasonSchema)
    @blp.response(200, schemas.AssetSchema)
    def post(self, data, asset_id):
        """Take a dispatched meter back into stock unused."""
        load(MeterAsset, asset_id)
        return lifecycle.recall(database.session(), asset_id, operator_id=operator_id(),
                                reason=data["reason"])


@blp.route("/<int:asset_id>/install")
class AssetInstall(MethodView):
    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.AssetInstallSchema)
    @blp.response(200, schemas.AssetSchema)
    def post(self, data, asset_id):
        """Install a dispatched meter on a bus: it becomes a registry meter there."""
        load(MeterAsset, asset_id)
        reference(Bus, data["bus_id"], "bus_id")
        if data.get("unit_id") is not None:
            reference(Unit, data["unit_id"], "unit_id")
        return lifecycle.install(database.session(), asset_id, data, operator_id=operator_id())


@blp.route("/<int:asset_id>/remove")
class AssetRemove(MethodView):
    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.AssetRemoveSchema)
    @blp.response(200, schemas.AssetSchema)
    def post(self, data, asset_id):
        """Take down a meter on no account, with its final reading and the seals found."""
        load(MeterAsset, asset_id)
        return lifecycle.remove(database.session(), asset_id, data, operator_id=operator_id())


@blp.route("/<int:asset_id>/repair")
class AssetRepair(MethodView):
    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.AssetReasonSchema)
    @blp.response(200, schemas.AssetSchema)
    def post(self, data, asset_id):
        """Send a removed (or stocked) meter to repair."""
        asset = load(MeterAsset, asset_id, lock=True)
        lifecycle.record(database.session(), asset, EventKind.SENT_TO_REPAIR,
                         operator_id=operator_id(), reason=data["reason"])
        return asset


@blp.route("/<int:asset_id>/scrap-requests")
class AssetScrapRequests(MethodView):
    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.ScrapRequestSchema)
    @blp.response(201, schemas.ScrapRequestSchema)
    def post(self, data, asset_id):
        """Ask for the meter to be scrapped (报废); another person approves."""
        load(MeterAsset, asset_id)
        return scrapping.request(database.session(), asset_id, data["reason"],
                                 operator_id=operator_id())
