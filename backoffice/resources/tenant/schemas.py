"""Schemas of the tenant API (a tenant's own accounts only)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backoffice.fields import EnergyField, MoneyField, PriceField
from backoffice.resources.payments.schemas import PaymentOrderSchema
from backoffice.resources.tenant.sign_in_schemas import TenantAccountBriefSchema
from shared_models.metering.energy import Granularity
from shared_models.models.ledger import Channel
from shared_models.models.payments import ONLINE_CHANNELS


class TenantTariffNowSchema(Schema):
    name = fields.String()
    band_now = fields.String(metadata={"description": "sharp, peak, flat or valley"})
    price_now = PriceField()
    prices = fields.Dict(keys=fields.String(), values=PriceField())


class TenantHomeMeterSchema(Schema):
    id = fields.Integer()
    serial_number = fields.String()
    control_mode = fields.String()
    supply = fields.String(metadata={"description": "on, off, arrears, offline or unknown"})
    read_at = fields.AwareDateTime(allow_none=True)
    meter_balance = MoneyField(allow_none=True, metadata={"description": "Local mode: the meter's own"})


class TenantRechargeLimitsSchema(Schema):
    minimum = MoneyField()
    maximum = MoneyField()
    credit_cap = MoneyField()
    most_now = MoneyField(metadata={"description": "The most one payment may add now"})


class TenantHomeSchema(Schema):
    account = fields.Nested(TenantAccountBriefSchema)
    balance = MoneyField(metadata={"description": "All the tenant's money: wallet and meters"})
    wallet = MoneyField()
    on_meters = MoneyField(metadata={"description": "Local mode: on the meters or on the way"})
    meters_read_at = fields.AwareDateTime(allow_none=True)
    local_mode = fields.Boolean()
    level = fields.String(metadata={"description": "normal, alarm1, alarm2 or arrears"})
    protected = fields.Boolean(metadata={"description": "保电: never cut off automatically"})
    alarm1_threshold = MoneyField()
    alarm2_threshold = MoneyField()
    days_left = fields.Integer(allow_none=True, metadata={
        "description": "About how many days the balance lasts at the last 7 days' average use; "
                       "null without history"})
    daily_cost = MoneyField(allow_none=True)
    tariff = fields.Nested(TenantTariffNowSchema, allow_none=True)
    meters = fields.List(fields.Nested(TenantHomeMeterSchema))
    recharge = fields.Nested(TenantRechargeLimitsSchema)
    supply_control = fields.Boolean(metadata={"description": "Whether the tenant may switch supply"})


class TenantUsageQuerySchema(Schema):
    granularity = fields.Enum(Granularity, by_value=True, load_default=Granularity.DAY)


class TenantUsageRowSchema(Schema):
    period = fields.Date()
    total = EnergyField()
    sharp = EnergyField()
    peak = EnergyField()
    flat = EnergyField()
    valley = EnergyField()


class TenantDayQuerySchema(Schema):
    day = fields.Date(required=True)


class TenantHourSchema(Schema):
    hour = fields.Integer(metadata={"description": "Local hour, 0-23"})
    energy = EnergyField(metadata={"description": "kWh used in the hour"})
    power_w = fields.Integer(allow_none=True, metadata={"description": "The last power read in it"})


class TenantOrderSchema(Schema):
    amount = MoneyField(required=True)
    method = fields.String(required=True, validate=validate.OneOf(["jsapi", "wap", "qr"]), metadata={
        "description": "jsapi inside WeChat, wap in another phone browser, qr on a desktop"})
    channel = fields.Enum(Channel, by_value=True, load_default=None,
                          validate=validate.OneOf(ONLINE_CHANNELS),
                          metadata={"description": "For a QR: alipay, wechat or unionpay"})

    @validates_schema
    def _channel_for_qr(self, data, **_kwargs):
        if data.get("method") == "qr" and data.get("channel") is None:
            raise ValidationError("Choose Alipay, WeChat Pay or UnionPay.", "channel")


class TenantOrderViewSchema(PaymentOrderSchema):
    class Meta:
        exclude = ("source", "requested_by", "needs_review", "review_reason", "payer_hint")

    balance = MoneyField(dump_only=True, allow_none=True,
                         metadata={"description": "The balance once the order is credited"})
    receipt_id = fields.Integer(dump_only=True, allow_none=True)


class TenantHistoryRowSchema(Schema):
    id = fields.Integer(metadata={"description": "The sale (its receipt)"})
    kind = fields.String(metadata={"description": "recharge, refund or reversal"})
    channel = fields.String()
    amount = MoneyField()
    balance_after = MoneyField()
    receipt_number = fields.Integer(allow_none=True)
    at = fields.AwareDateTime()


class TenantReceiptSchema(TenantHistoryRowSchema):
    site_name = fields.String()
    account_number = fields.String()
    tenant_name = fields.String()
    meters = fields.List(fields.String())
    local_time = fields.String()
    operator = fields.String()


class TenantSupplyRequestSchema(Schema):
    meter_id = fields.Integer(required=True)
    on = fields.Boolean(required=True, metadata={"description": "true: switch on; false: off"})


class TenantSupplyCommandSchema(Schema):
    id = fields.Integer()
    meter_id = fields.Integer()
    kind = fields.String()
    state = fields.String()
    error = fields.String()
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)


class TenantAlertsSchema(Schema):
    """Which alarm texts the tenant gets; the arrears text is always sent."""

    alarm1 = fields.Boolean(required=True, metadata={"description": "texts at alarm 1"})
    alarm2 = fields.Boolean(required=True, metadata={"description": "texts at alarm 2"})
    arrears = fields.Boolean(dump_only=True, metadata={
        "description": "always true: the notice that the supply is being cut cannot be turned off"})
