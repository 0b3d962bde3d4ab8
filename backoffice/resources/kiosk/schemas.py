"""Kiosk API schemas: a minimal view of an account, and orders as a kiosk follows them."""

from marshmallow import Schema, fields, validate

from backoffice.fields import EnergyField, MoneyField
from shared_models.models.ledger import Channel
from shared_models.models.payments import ONLINE_CHANNELS, OrderState, PaymentFlow

SUPPLY_STATES = ("normal", "alarm1", "alarm2", "arrears", "tripped", "lost_comm")


class LimitsSchema(Schema):
    minimum = MoneyField(dump_only=True)
    maximum = MoneyField(dump_only=True)
    credit_cap = MoneyField(dump_only=True, metadata={"description": "The stored-credit cap"})


class DeviceSchema(Schema):
    name = fields.String(dump_only=True)
    site_code = fields.String(dump_only=True)
    site_name = fields.String(dump_only=True)
    timezone = fields.String(dump_only=True)
    channels = fields.List(fields.String(), dump_only=True,
                           metadata={"description": "The gateways set up for the site"})
    limits = fields.Nested(LimitsSchema, dump_only=True)
    presets = fields.List(MoneyField(), dump_only=True)
    phone_check = fields.Boolean(dump_only=True, metadata={
        "description": "Whether details need the last 4 digits of the account's phone"})


class LookupSchema(Schema):
    """What a tenant typed or scanned: an account number or a meter's serial."""

    number = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9-]{1,48}$", error="Enter an account number or a meter number."))
    phone_last4 = fields.String(load_default=None, validate=validate.Regexp(
        r"^[0-9]{4}$", error="Enter the last 4 digits of the phone number."))


class UsageDaySchema(Schema):
    day = fields.Date(dump_only=True)
    kwh = EnergyField(dump_only=True)


class RechargeSchema(Schema):
    at = fields.String(dump_only=True, metadata={"description": "Local time, minutes"})
    amount = MoneyField(dump_only=True)
    channel = fields.String(dump_only=True)


class AccountViewSchema(Schema):
    ticket = fields.String(dump_only=True, metadata={
        "description": "Names the account in the kiosk's next calls (valid 15 minutes)"})
    number = fields.String(dump_only=True)
    name = fields.String(dump_only=True, metadata={"description": "Masked"})
    balance = MoneyField(dump_only=True)
    supply = fields.String(dump_only=True, validate=validate.OneOf(SUPPLY_STATES))
    protected = fields.Boolean(dump_only=True, metadata={"description": "保电"})
    days_left = fields.Integer(dump_only=True, allow_none=True)
    detailed = fields.Boolean(dump_only=True)
    meters = fields.List(fields.String(), dump_only=True)
    usage = fields.List(fields.Nested(UsageDaySchema), dump_only=True)
    recharges = fields.List(fields.Nested(RechargeSchema), dump_only=True)
    limits = fields.Nested(LimitsSchema, dump_only=True)
    most = MoneyField(dump_only=True, metadata={"description": "The most that can be added now"})


class TicketSchema(Schema):
    ticket = fields.String(required=True, validate=validate.Length(min=1, max=512))
    amount = MoneyField(required=True)


class KioskOrderRequestSchema(TicketSchema):
    channel = fields.Enum(Channel, by_value=True, required=True, validate=validate.OneOf(ONLINE_CHANNELS))


class KioskCodeRequestSchema(TicketSchema):
    auth_code = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9]{16,24}$", error="A payment code is 16 to 24 digits."),
        metadata={"description": "The scanned payment code (付款码); never stored or logged whole"})


class KioskOrderSchema(Schema):
    id = fields.Integer(dump_only=True)
    state = fields.Enum(OrderState, by_value=True, dump_only=True)
    channel = fields.Enum(Channel, by_value=True, dump_only=True)
    flow = fields.Enum(PaymentFlow, by_value=True, dump_only=True)
    amount = MoneyField(dump_only=True)
    out_trade_no = fields.String(dump_only=True)
    qr_code = fields.String(dump_only=True, allow_none=True)
    payer_hint = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True)
    balance_after = MoneyField(dump_only=True, allow_none=True,
                               metadata={"description": "Once credited"})
    receipt_number = fields.Integer(dump_only=True, allow_none=True)


class ReceiptSchema(Schema):
    title = fields.String(dump_only=True)
    site_name = fields.String(dump_only=True)
    device = fields.String(dump_only=True)
    receipt_number = fields.Integer(dump_only=True)
    local_time = fields.String(dump_only=True)
    account_number = fields.String(dump_only=True)
    name = fields.String(dump_only=True, metadata={"description": "Masked"})
    meters = fields.List(fields.String(), dump_only=True)
    amount = MoneyField(dump_only=True)
    balance_after = MoneyField(dump_only=True)
    channel = fields.String(dump_only=True)
    channel_label = fields.String(dump_only=True)
    out_trade_no = fields.String(dump_only=True)
    payer_hint = fields.String(dump_only=True)
    reprint = fields.Boolean(dump_only=True)
    reprint_count = fields.Integer(dump_only=True)
    link = fields.String(dump_only=True, metadata={"description": "What the receipt's QR links to"})
