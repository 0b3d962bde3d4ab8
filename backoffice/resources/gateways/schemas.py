"""Gateway and bus schemas."""

from marshmallow import Schema, fields, validate

from backoffice.fields import Id, Text
from shared_models.enums import Framing, Parity

BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


class BusSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    port = fields.Integer(validate=validate.Range(1, 65535))


class GatewaySchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = Id(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=120))
    host = Text(load_default="", validate=validate.Regexp(r"^[A-Za-z0-9.:_-]{0,255}$"))
    port = fields.Integer(load_default=502, validate=validate.Range(1, 65535))
    framing = fields.Enum(Framing, by_value=True, load_default=Framing.MODBUS_TCP)
    serial_device = Text(load_default="", validate=validate.Length(max=255))
    baud = fields.Integer(load_default=9600, validate=validate.OneOf(BAUD_RATES))
    parity = fields.Enum(Parity, by_value=True, load_default=Parity.EVEN)
    stop_bits = fields.Integer(load_default=1, validate=validate.OneOf((1, 2)))
    timeout_ms = fields.Integer(load_default=400, validate=validate.Range(50, 60000))
    bus_count = fields.Integer(load_only=True, load_default=1, validate=validate.Range(1, 16),
                               metadata={"description": "RS485 buses, one TCP port each from `port`"})
    buses = fields.List(fields.Nested(BusSchema), dump_only=True)


class GatewayUpdateSchema(GatewaySchema):
    bus_count = fields.Integer(load_only=True, validate=validate.Range(1, 16))


class GatewayQuerySchema(Schema):
    site_id = Id()
    name = Text()
