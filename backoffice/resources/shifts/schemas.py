"""Shift schemas."""

from marshmallow import Schema, fields

from backoffice.fields import MoneyField
from shared_models.models.ledger import Channel
from shared_models.models.sales import SaleKind


class ShiftSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(required=True)
    operator_id = fields.Integer(dump_only=True)
    opened_at = fields.AwareDateTime(dump_only=True)
    closed_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class ShiftQuerySchema(Schema):
    site_id = fields.Integer()
    operator_id = fields.Integer()
    open = fields.Boolean(metadata={"description": "Only open (true) or closed (false) shifts"})


class ChannelKindTotalSchema(Schema):
    channel = fields.Enum(Channel, by_value=True)
    kind = fields.Enum(SaleKind, by_value=True)
    count = fields.Integer()
    total = MoneyField()


class ChannelNetSchema(Schema):
    channel = fields.Enum(Channel, by_value=True)
    net = MoneyField(metadata={"description": "Taken in minus paid out"})


class CashReportSchema(Schema):
    shift = fields.Nested(ShiftSchema)
    totals = fields.List(fields.Nested(ChannelKindTotalSchema))
    net_by_channel = fields.List(fields.Nested(ChannelNetSchema))
    net_total = MoneyField()
    pending_refunds = fields.Integer()
    pending_refunds_total = MoneyField()
