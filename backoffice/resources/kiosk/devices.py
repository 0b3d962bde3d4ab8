"""Staff register, list and revoke kiosk devices."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Page
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from backoffice import database
from backoffice.auth import kiosks
from backoffice.auth.permissions import requires
from backoffice.auth.scope import check_site
from backoffice.fields import Id, Text
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection
from shared_models.enums import Role
from shared_models.models import Operator

blp = Blueprint("kiosk-devices", __name__, url_prefix="/kiosk-devices",
                description="Lobby kiosk devices: registered by staff, one token each")


class NewKioskDeviceSchema(Schema):
    site_id = Id(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=120))


class KioskDeviceSchema(Schema):
    id = fields.Integer(dump_only=True)
    # None for an operator given the kiosk role through /operators with every site, which the
    # registration here never makes but the list must still show.
    site_id = fields.Integer(dump_only=True, allow_none=True)
    name = fields.String(dump_only=True)
    username = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    last_seen_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class IssuedKioskSchema(KioskDeviceSchema):
    token = fields.String(dump_only=True, metadata={"description": "Shown once: enter it in the kiosk"})


def _shown(device: Operator, token: str | None = None) -> dict:
    site_ids = device.site_ids() or set()
    return {"id": device.id, "site_id": min(site_ids) if site_ids else None,
            "name": device.display_name, "username": device.username, "active": device.active,
            "created_at": device.created_at, "token": token,
            "last_seen_at": kiosks.last_seen(database.session(), device.id)}


class _Shown:
    """Pages of devices, shown with their site and last call."""

    def __init__(self, stmt):
        self.inner = collection(stmt)

    def __getitem__(self, key):
        return [_shown(d) for d in self.inner[key]]

    def __len__(self):
        return len(self.inner)


@blp.route("")
class Devices(MethodView):
    @requires("operators.read")
    @blp.response(200, KioskDeviceSchema(many=True))
    @blp.paginate(Page)
    def get(self):
        """List kiosk devices with when each last called."""
        return _Shown(select(Operator).where(Operator.role == Role.KIOSK).order_by(Operator.id))

    @requires("operators.write")
    @blp.arguments(NewKioskDeviceSchema)
    @blp.response(201, IssuedKioskSchema)
    def post(self, data):
        """Register a kiosk at a site and issue its token (shown once)."""
        check_site(data["site_id"])
        device, raw = kiosks.register(database.session(), data["site_id"], data["name"])
        return _shown(device, raw)


@blp.route("/<int:device_id>")
class DeviceById(MethodView):
    @requires("operators.write")
    @blp.response(204)
    def delete(self, device_id):
        """Revoke a kiosk: it is deactivated and its tokens stop working."""
        kiosks.revoke(database.session(), kiosks.get(database.session(), device_id))
