"""Site schemas."""

from decimal import Decimal

from marshmallow import Schema, fields, validate

from backoffice.fields import MoneyField, PriceField, Text


class SiteSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = Text(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$"))
    name = Text(required=True, validate=validate.Length(min=1, max=120))
    timezone = Text(load_default="Asia/Shanghai", validate=validate.Length(min=1, max=64))
    poll_interval_s = fields.Integer(load_default=1800, validate=validate.Range(60, 86400),
                                     metadata={"description": "Poll interval, seconds (>= 60)"})
    default_price = PriceField(non_negative=True, load_default=Decimal("0.6000"))
    alarm1_threshold = MoneyField(non_negative=True, load_default=Decimal("20.00"),
                                  metadata={"description": "Alarm level 1"})
    alarm2_threshold = MoneyField(non_negative=True, load_default=Decimal("5.00"),
                                  metadata={"description": "Alarm level 2"})
    overload_limit_w = fields.Integer(load_default=8000, validate=validate.Range(100, 10_000_000))
    overdraft_limit = MoneyField(non_negative=True, load_default=Decimal("0.00"))
    credit_cap = MoneyField(non_negative=True, load_default=Decimal("5000.00"),
                            metadata={"description": "Stored-credit cap per account"})
    refund_approval_threshold = MoneyField(
        non_negative=True, load_default=Decimal("500.00"),
        metadata={"description": "Refunds above this need a second operator's approval"})
    sms_sender = Text(load_default="", validate=validate.Length(max=32))
    online_min_amount = MoneyField(non_negative=True, load_default=Decimal("1.00"),
                                   metadata={"description": "Smallest single online payment"})
    online_max_amount = MoneyField(non_negative=True, load_default=Decimal("2000.00"),
                                   metadata={"description": "Largest single online payment"})
    order_expiry_s = fields.Integer(load_default=7200, validate=validate.Range(300, 86400),
                                    metadata={"description": "An unpaid online order closes after "
                                                             "this many seconds"})
    tenant_supply_control = fields.Boolean(load_default=True, metadata={
        "description": "Whether tenants may switch their own supply off and on from their phones"})
    tenant_wechat_sign_in = fields.Boolean(load_default=False, metadata={
        "description": "Whether a tenant who signed in once by SMS inside WeChat is signed in by "
                       "WeChat (no code) on later visits"})
    bill_cutoff_day = fields.Integer(load_default=1, validate=validate.Range(1, 28), metadata={
        "description": "Postpaid bills: the day of the month a period ends (local midnight)"})
    bill_due_days = fields.Integer(load_default=15, validate=validate.Range(0, 90), metadata={
        "description": "Postpaid bills: days from release to the due date"})
    bill_change_pct = fields.Integer(load_default=50, validate=validate.Range(1, 1000), metadata={
        "description": "Review: flag a bill whose kWh differs from the last 3 months' average "
                       "by more than this percentage"})
    bill_estimated_pct = fields.Integer(load_default=20, validate=validate.Range(0, 100), metadata={
        "description": "Review: flag a bill with more than this percentage of its kWh estimated "
                       "after gaps in the readings"})
    created_at = fields.AwareDateTime(dump_only=True)


class SiteQuerySchema(Schema):
    code = Text()
