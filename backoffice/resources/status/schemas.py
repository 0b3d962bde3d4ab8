"""Meter status and energy schemas."""

from marshmallow import Schema, fields

from backoffice.fields import EnergyField, Id, MoneyField
from shared_models.enums import ControlMode, MeterStatus
from shared_models.metering.energy import Granularity
from shared_models.metering.status_list import StatusFilter


class StatusQuerySchema(Schema):
    site_id = Id()
    building_id = Id()
    floor_id = Id()
    account_id = Id(metadata={"description": "the meters on the account now"})
    status = fields.Enum(StatusFilter, by_value=True, metadata={
        "description": "opened, not_opened, lost_comm (offline), or the balance level: "
                       "alarm1, alarm2, arrears"})
    protected = fields.Boolean(metadata={
        "description": "true: only protected (保电) meters; false: only those not protected"})


class MeterStatusSchema(Schema):
    meter_id = fields.Integer()
    serial_number = fields.String()
    site_id = fields.Integer()
    building_id = fields.Integer(allow_none=True)
    building = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    control_mode = fields.Enum(ControlMode, by_value=True)
    meter_status = fields.Enum(MeterStatus, by_value=True)
    account_id = fields.Integer(allow_none=True)
    account_number = fields.String(allow_none=True)
    tenant_name = fields.String(allow_none=True)
    online = fields.Boolean(allow_none=True, metadata={"description": "null: never polled"})
    relay_open = fields.Boolean(allow_none=True)
    last_read_at = fields.AwareDateTime(allow_none=True)
    status_bits = fields.Integer(allow_none=True)
    total_energy = EnergyField(allow_none=True, metadata={"description": "latest reading, kWh"})
    power_w = fields.Integer(allow_none=True)
    balance = MoneyField(allow_none=True, metadata={
        "description": "the wallet (remote mode) or the meter's own balance (local mode)"})
    alarm_level = fields.String(allow_none=True, metadata={
        "description": "arrears, alarm2, alarm1 or null"})
    protected = fields.Boolean(metadata={
        "description": "保电: the account's arrears rule is protect, or the meter reports "
                       "protect on; shown besides the status"})


class EnergyQuerySchema(Schema):
    granularity = fields.Enum(Granularity, by_value=True, load_default=Granularity.DAY)
    from_ = fields.Date(data_key="from", metadata={
        "description": "first local day (default: 30 days, or 11 months, before `to`)"})
    to = fields.Date(metadata={"description": "last local day, inclusive (default: today)"})


class EnergyRowSchema(Schema):
    period = fields.Date(metadata={"description": "local day, or first day of the local month"})
    energy = EnergyField()


class EnergySchema(Schema):
    granularity = fields.Enum(Granularity, by_value=True)
    timezone = fields.String()
    total = EnergyField()
    rows = fields.List(fields.Nested(EnergyRowSchema))
