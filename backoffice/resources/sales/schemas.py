"""Counter sale schemas."""

from marshmallow import Schema, fields, validate

from backoffice.fields import MoneyField, Text
from shared_models.models.ledger import COUNTER_CHANNELS, Channel
from shared_models.models.sales import SaleKind, SaleStatus


class SaleSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    account_id = fields.Integer(dump_only=True)
    kind = fields.Enum(SaleKind, by_value=True, dump_only=True)
    channel = fields.Enum(Channel, by_value=True, dump_only=True)
    amount = MoneyField(dump_only=True)
    status = fields.Enum(SaleStatus, by_value=True, dump_only=True)
    receipt_number = fields.Integer(dump_only=True, allow_none=True)
    reason = fields.String(dump_only=True)
    operator_id = fields.Integer(dump_only=True)
    shift_id = fields.Integer(dump_only=True)
    approved_by_id = fields.Integer(dump_only=True, allow_none=True)
    transaction_id = fields.Integer(dump_only=True)
    settled_transaction_id = fields.Integer(dump_only=True, allow_none=True)
    reverses_id = fields.Integer(dump_only=True, allow_none=True)
    balance_after = MoneyField(dump_only=True)
    reprint_count = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class CounterMoneySchema(Schema):
    """A recharge (售电) or a refund (退电) at the counter."""

    account_id = fields.Integer(required=True)
    amount = MoneyField(required=True)
    channel = fields.Enum(Channel, by_value=True, required=True,
                          validate=validate.OneOf(COUNTER_CHANNELS))
    reason = Text(load_default="", validate=validate.Length(max=255))


class SaleReasonSchema(Schema):
    reason = Text(load_default="", validate=validate.Length(max=255))


class SaleQuerySchema(Schema):
    site_id = fields.Integer()
    account_id = fields.Integer()
    shift_id = fields.Integer()
    operator_id = fields.Integer()
    kind = fields.Enum(SaleKind, by_value=True)
    status = fields.Enum(SaleStatus, by_value=True)


class ReceiptQuerySchema(Schema):
    layout = fields.String(load_default="80mm", validate=validate.OneOf(["80mm", "a4"]), metadata={
        "description": "80mm: a thermal receipt roll; a4: a sheet with signature lines"})
