"""Report schemas: the period and filters asked for, and the rows answered."""

from marshmallow import Schema, fields, validate

from backoffice.fields import EnergyField, Id, MoneyField
from shared_models.models.ledger import Channel, TransactionKind
from shared_models.models.sales import SaleKind, SaleStatus
from shared_models.reports.energy import EnergyBy
from shared_models.reports.periods import Unit
from shared_models.reports.totals import Breakdown

ID = validate.Range(1, 2**31 - 1)


class PeriodQuerySchema(Schema):
    """A period: `date` alone, or `from` and `to` (inclusive); written as `period` says."""

    period = fields.Enum(Unit, by_value=True, load_default=Unit.DAY, metadata={
        "description": "Length of each row's period, cut at the local midnight of its site"})
    date = fields.String(validate=validate.Length(max=10), metadata={
        "description": "One period: 2025-03-01 (day), 2025-03 (month) or 2025 (year)"})
    start = fields.String(data_key="from", validate=validate.Length(max=10), metadata={
        "description": "First period of a range, written like `date`"})
    stop = fields.String(data_key="to", validate=validate.Length(max=10), metadata={
        "description": "Last period of a range (inclusive), written like `date`"})


class SalesQuerySchema(PeriodQuerySchema):
    site_id = fields.Integer(validate=ID, metadata={"description": "One site; by default all of yours"})
    channel = fields.Enum(Channel, by_value=True)
    operator_id = fields.Integer(validate=ID)


class JournalQuerySchema(SalesQuerySchema):
    kind = fields.Enum(SaleKind, by_value=True)
    account_id = fields.Integer(validate=ID)


class TotalsQuerySchema(SalesQuerySchema):
    by = fields.List(fields.Enum(Breakdown, by_value=True), load_default=list, metadata={
        "description": "Split each site's period by channel and/or operator (repeat the argument)"})


class JournalRowSchema(Schema):
    sale_id = fields.Integer()
    site_id = fields.Integer()
    site_code = fields.String()
    receipt_number = fields.Integer()
    local_date = fields.String(metadata={"description": "Day of the sale in its site's time zone"})
    completed_at = fields.AwareDateTime()
    kind = fields.Enum(SaleKind, by_value=True)
    status = fields.Enum(SaleStatus, by_value=True)
    channel = fields.Enum(Channel, by_value=True)
    amount = MoneyField()
    signed_amount = MoneyField(metadata={
        "description": "At the counter: recharge +amount, refund and reversal -amount"})
    account_id = fields.Integer()
    account_number = fields.String()
    tenant_name = fields.String()
    operator_id = fields.Integer()
    operator = fields.String(metadata={
        "description": "Username of the operator (none for an online payment)"})
    shift_id = fields.Integer()
    reverses_receipt_number = fields.Integer(allow_none=True, metadata={
        "description": "Reversals: the receipt of the recharge taken back"})
    balance_after = MoneyField()
    reason = fields.String()


class TotalsRowSchema(Schema):
    site_id = fields.Integer()
    site_code = fields.String()
    period = fields.String(metadata={"description": "2025-03-01, 2025-03 or 2025, local time"})
    channel = fields.Enum(Channel, by_value=True, allow_none=True)
    operator_id = fields.Integer(allow_none=True)
    operator = fields.String(allow_none=True)
    recharge_count = fields.Integer()
    recharge_total = MoneyField()
    refund_count = fields.Integer()
    refund_total = MoneyField()
    reversal_count = fields.Integer()
    reversal_total = MoneyField()
    count = fields.Integer()
    net_total = MoneyField(metadata={
        "description": "recharge_total - refund_total - reversal_total"})


class StatementQuerySchema(PeriodQuerySchema):
    pass


class StatementSchema(Schema):
    account_id = fields.Integer()
    account_number = fields.String()
    tenant_name = fields.String()
    site_id = fields.Integer()
    site_code = fields.String()
    timezone = fields.String()
    first_day = fields.Date(attribute="period.first")
    last_day = fields.Date(attribute="period.last")
    start = fields.AwareDateTime(metadata={"description": "Local midnight opening the period, UTC"})
    end = fields.AwareDateTime(metadata={"description": "Local midnight closing the period, UTC"})
    opening_balance = MoneyField()
    money_in = MoneyField(metadata={"description": "Sum of the positive postings"})
    money_out = MoneyField(metadata={"description": "Sum of the negative postings (negative)"})
    closing_balance = MoneyField()
    postings = fields.Integer()
    wallet_balance = MoneyField(metadata={"description": "The wallet's balance now"})


class StatementLineSchema(Schema):
    posting_id = fields.Integer()
    transaction_id = fields.Integer()
    booked_at = fields.AwareDateTime()
    local_date = fields.String()
    kind = fields.Enum(TransactionKind, by_value=True)
    reason = fields.String()
    receipt_number = fields.Integer(allow_none=True)
    operator = fields.String(allow_none=True)
    amount = MoneyField(metadata={"description": "Into the wallet +, out of it -"})
    balance = MoneyField(metadata={"description": "Wallet balance after this posting"})


class EnergyQuerySchema(Schema):
    by = fields.Enum(EnergyBy, by_value=True, load_default=EnergyBy.METER, metadata={
        "description": "One row per meter, per tenant account or per building"})
    start = fields.Date(data_key="from", required=True, metadata={
        "description": "First local day, inclusive"})
    stop = fields.Date(data_key="to", required=True, metadata={
        "description": "Last local day, inclusive"})
    site_id = Id(metadata={"description": "One site; by default all of yours"})
    building_id = Id()


class EnergyReportRowSchema(Schema):
    site_id = fields.Integer()
    site_code = fields.String()
    building_id = fields.Integer(allow_none=True)
    building = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    meter_id = fields.Integer(metadata={"description": "by=meter"})
    serial_number = fields.String(metadata={"description": "by=meter"})
    account_id = fields.Integer(allow_none=True, metadata={
        "description": "by=account, or the meter's current account"})
    account_number = fields.String(allow_none=True)
    tenant_name = fields.String(allow_none=True)
    meters = fields.Integer(metadata={"description": "by=building: its meters; by=account: attached now"})
    energy = EnergyField(metadata={"description": "kWh used over the local days from..to"})
