"""Reconciliation schemas."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from backoffice.fields import Id, MoneyField, Text
from shared_models.models.ledger import Channel
from shared_models.models.payments import ONLINE_CHANNELS
from shared_models.models.reconciliation import BreakKind, BreakState, RunState
from shared_models.payments.reconciliation import METERS
from shared_models.payments.reconciliation_actions import ACTIONS, actions_for

SCOPES = [*(channel.value for channel in ONLINE_CHANNELS), METERS]


class RunQuerySchema(Schema):
    site_id = Id()
    scope = fields.String(validate=validate.OneOf(SCOPES))
    day = fields.Date()
    state = fields.Enum(RunState, by_value=True)


class NewRunSchema(Schema):
    site_id = Id(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES), metadata={
        "description": "a channel (its bill is fetched from the gateway) or meters (local-mode "
                       "purchase counts)"})
    day = fields.Date(required=True, metadata={"description": "the business day, in the site's time zone"})


class UploadQuerySchema(Schema):
    site_id = Id(required=True)
    channel = fields.Enum(Channel, by_value=True, required=True,
                          validate=validate.OneOf(ONLINE_CHANNELS))
    day = fields.Date(required=True)


class UploadFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "The bill file exactly as the gateway gave it"})


class RunSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    scope = fields.String()
    channel = fields.Enum(Channel, by_value=True, allow_none=True)
    day = fields.Date()
    state = fields.Enum(RunState, by_value=True)
    source = fields.String(metadata={"description": "fetched, uploaded or meters"})
    bill_sha256 = fields.String()
    bill_size = fields.Function(lambda run: len(run.bill) if run.bill is not None else None)
    fetched_at = fields.AwareDateTime(allow_none=True)
    failure = fields.String()
    bill_payments = fields.Integer()
    bill_refunds = fields.Integer()
    bill_paid = MoneyField()
    bill_refunded = MoneyField()
    bill_fees = MoneyField()
    our_payments = fields.Integer()
    our_refunds = fields.Integer()
    our_paid = MoneyField()
    our_refunded = MoneyField()
    matched = fields.Integer()
    held = fields.Integer()
    breaks = fields.Integer()
    started_by = fields.String()
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)


class BreakQuerySchema(Schema):
    site_id = Id()
    run_id = Id()
    channel = fields.Enum(Channel, by_value=True)
    kind = fields.Enum(BreakKind, by_value=True)
    state = fields.Enum(BreakState, by_value=True)


class BreakSchema(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    site_id = fields.Integer()
    channel = fields.Enum(Channel, by_value=True, allow_none=True)
    kind = fields.Enum(BreakKind, by_value=True)
    reference = fields.String()
    order_id = fields.Integer(allow_none=True)
    refund_id = fields.Integer(allow_none=True)
    meter_id = fields.Integer(allow_none=True)
    out_trade_no = fields.String(allow_none=True)
    trade_no = fields.String(allow_none=True)
    gateway_amount = MoneyField(metadata={
        "description": "into clearing as the gateway says (refunds negative)"})
    our_amount = MoneyField(metadata={"description": "into clearing as our ledger posted it"})
    detail = fields.String()
    state = fields.Enum(BreakState, by_value=True)
    actions = fields.Function(actions_for, metadata={
        "type": "array", "items": {"type": "string"}, "description": "what can be done with it now"})
    action = fields.String()
    resolved_by_id = fields.Integer(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    note = fields.String()
    transaction_id = fields.Integer(allow_none=True, metadata={
        "description": "the compensating ledger transaction (or the sale a credit made)"})
    created_at = fields.AwareDateTime()


class ResolveSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    note = Text(load_default="", validate=validate.Length(max=255))
