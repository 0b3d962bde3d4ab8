"""Meter schemas."""

from marshmallow import Schema, fields, validate

from backoffice.fields import Id, Text
from shared_models.enums import ControlMode, MeterStatus


class MeterSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    serial_number = Text(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$"))
    bus_id = Id(required=True)
    address = fields.Integer(required=True, validate=validate.Range(1, 247),
                             metadata={"description": "Modbus unit id on its bus"})
    model = Text(load_default="WK-PM1", validate=validate.Length(min=1, max=60))
    phases = fields.Integer(load_default=1, validate=validate.OneOf((1, 3)))
    ct_ratio = fields.Integer(load_default=1, validate=validate.Range(1, 10000))
    control_mode = fields.Enum(ControlMode, by_value=True, load_default=ControlMode.REMOTE)
    status = fields.Enum(MeterStatus, by_value=True, dump_only=True)
    key_version = fields.Integer(load_default=1, validate=validate.Range(1, 255))
    unit_id = Id(allow_none=True, load_default=None,
                             metadata={"description": "The unit (room) it is installed in"})
    created_at = fields.AwareDateTime(dump_only=True)


class MeterQuerySchema(Schema):
    site_id = Id()
    bus_id = Id()
    unit_id = Id()
    status = fields.Enum(MeterStatus, by_value=True)
    control_mode = fields.Enum(ControlMode, by_value=True)
    serial_number = Text()
    gateway_id = Id()
    building_id = Id()
    floor_id = Id(metadata={"description": "Meters installed on this floor"})
