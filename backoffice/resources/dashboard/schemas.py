"""Dashboard schemas."""

from marshmallow import Schema, fields

from backoffice.fields import EnergyField, Id, MoneyField


class DashboardEnergyQuerySchema(Schema):
    site_id = Id(metadata={"description": "one site (default: every site the caller sees)"})


class DashboardQuerySchema(DashboardEnergyQuerySchema):
    energy = fields.Boolean(load_default=True, metadata={
        "description": "false: leave out the energy curve (the console asks /dashboard/energy "
                       "for it beside this call, so the figures show first)"})


class MeterCountsSchema(Schema):
    total = fields.Integer()
    opened = fields.Integer(metadata={"description": "opened, balance above the alarms"})
    alarm1 = fields.Integer()
    alarm2 = fields.Integer()
    arrears = fields.Integer()
    not_opened = fields.Integer()
    lost_comm = fields.Integer(metadata={"description": "offline (precedes every other status)"})
    protected = fields.Integer(metadata={"description": "on a protected (保电) account, "
                                                        "counted besides their status"})


class ChannelSalesSchema(Schema):
    channel = fields.String()
    today = MoneyField(metadata={"description": "net: recharges - refunds - reversals"})
    month = MoneyField()


class EnergyCurveSchema(Schema):
    timezone = fields.String()
    today = fields.List(EnergyField(), metadata={"description": "kWh per local hour so far"})
    yesterday = fields.List(EnergyField(), metadata={"description": "kWh per local hour"})


class DashboardSchema(Schema):
    today = fields.Date(metadata={"description": "the local day the figures are for"})
    meters = fields.Nested(MeterCountsSchema)
    sales = fields.List(fields.Nested(ChannelSalesSchema))
    energy = fields.Nested(EnergyCurveSchema, metadata={"description": "left out with energy=false"})
    alarms_active = fields.Integer()
    alarms_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    gateways_lost = fields.Integer(metadata={"description": "gateways with an active gateway_lost alarm"})
    refunds_pending = fields.Integer(metadata={"description": "counter refunds waiting for approval"})
