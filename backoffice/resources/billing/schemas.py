"""Postpaid billing schemas."""

from datetime import date

from marshmallow import Schema, fields, validate

from backoffice.fields import EnergyField, Id, MoneyField, PriceField, Text
from shared_models.models.accounts import BillingMode
from shared_models.models.billing import BillLineKind, BillState


class BillingModeSchema(Schema):
    billing_mode = fields.Enum(BillingMode, by_value=True, required=True, metadata={
        "description": "prepaid (taken from the wallet as read) or postpaid (billed monthly); "
                       "the account is settled first"})


class AccountBillingModeSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    billing_mode = fields.Enum(BillingMode, by_value=True)


class NewBillRunSchema(Schema):
    site_id = Id(required=True)
    cutoff = fields.Date(validate=validate.Range(date(2000, 1, 1), date(2999, 12, 31)), metadata={
        "description": "The cut-off date, on the site's cut-off day (default: the latest one)"})


class BillRunQuerySchema(Schema):
    site_id = Id()


class BillRunSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    label = fields.String(metadata={"description": "the month the period ends in"})
    period_start = fields.AwareDateTime()
    period_end = fields.AwareDateTime()
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)


class BillQuerySchema(Schema):
    site_id = Id()
    run_id = Id()
    account_id = Id()
    state = fields.Enum(BillState, by_value=True)
    flagged = fields.Boolean(metadata={"description": "only bills with (true) or without (false) flags"})


class BillMeterSchema(Schema):
    meter_id = fields.Integer()
    start_reading_id = fields.Integer(allow_none=True)
    end_reading_id = fields.Integer(allow_none=True)
    start_at = fields.AwareDateTime(allow_none=True)
    end_at = fields.AwareDateTime(allow_none=True)
    start_total = EnergyField()
    end_total = EnergyField()
    kwh = EnergyField()


class BillLineSchema(Schema):
    position = fields.Integer()
    kind = fields.Enum(BillLineKind, by_value=True)
    meter_id = fields.Integer(allow_none=True)
    band = fields.String(allow_none=True)
    tier = fields.Integer(allow_none=True)
    kwh = EnergyField(allow_none=True)
    price = PriceField(allow_none=True)
    amount = MoneyField()


class BillSchema(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    site_id = fields.Integer()
    account_id = fields.Integer()
    number = fields.String()
    state = fields.Enum(BillState, by_value=True)
    period_start = fields.AwareDateTime()
    period_end = fields.AwareDateTime()
    energy_kwh = EnergyField()
    estimated_kwh = EnergyField()
    energy_amount = MoneyField(metadata={"description": "as settlement booked it"})
    fixed_charge = MoneyField()
    power_factor_adjustment = MoneyField()
    charges = MoneyField(metadata={"description": "this period's total"})
    previous_balance = MoneyField(metadata={"description": "still owed on older bills"})
    payments = MoneyField(metadata={"description": "paid on this bill"})
    amount_due = MoneyField(metadata={"description": "still owed on this bill"})
    flags = fields.Function(lambda bill: [f for f in bill.flags.split(",") if f], metadata={
        "type": "array", "items": {"type": "string"},
        "description": "review exceptions: zero_kwh, change, estimated, swapped, backwards"})
    accepted_by_id = fields.Integer(allow_none=True)
    review_note = fields.String()
    reviewed_by_id = fields.Integer(allow_none=True)
    released_at = fields.AwareDateTime(allow_none=True)
    due_date = fields.Date(allow_none=True)
    release_transaction_id = fields.Integer(allow_none=True)
    closing_reason = fields.String()
    write_off_requested_by_id = fields.Integer(allow_none=True)
    closed_by_id = fields.Integer(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class BillDetailSchema(BillSchema):
    meters = fields.List(fields.Nested(BillMeterSchema))
    lines = fields.List(fields.Nested(BillLineSchema))


class BillReviewSchema(Schema):
    note = Text(load_default="", validate=validate.Length(max=255), metadata={
        "description": "why a flagged bill's exceptions are accepted (required when it has flags)"})


class BillReasonSchema(Schema):
    reason = Text(required=True, validate=validate.Length(min=1, max=255))


class BillDocumentQuerySchema(Schema):
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))
