"""Tenant account schemas."""

from flask import g
from marshmallow import Schema, fields, validate

from backoffice import database
from backoffice.fields import EnergyField, MoneyField, Text
from shared_models.enums import MeterStatus
from shared_models.metering.balances import account_money
from shared_models.models.accounts import AccountStatus, ArrearsRule, BillingMode
from shared_models.models.ledger import COUNTER_CHANNELS, Channel

_counter_channel = validate.OneOf(COUNTER_CHANNELS)


class AccountMeterSchema(Schema):
    id = fields.Integer(dump_only=True)
    serial_number = fields.String(dump_only=True)
    status = fields.Enum(MeterStatus, by_value=True, dump_only=True)
    unit_id = fields.Integer(dump_only=True)


class AccountMoneySchema(Schema):
    """Where the tenant's money is (本地费控 meters keep part of it); `total` is the balance."""

    total = MoneyField(dump_only=True)
    wallet = MoneyField(dump_only=True, metadata={"description": "In the account's wallet"})
    in_transit = MoneyField(dump_only=True, metadata={
        "description": "Recharges on their way to a local-mode meter that does not show them yet"})
    on_meters = MoneyField(dump_only=True, metadata={
        "description": "What the local-mode meters hold, as last read"})
    meters_read_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class _Money(fields.Nested):
    """The account's money, looked up once per account in the request's session."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return account_money_of(obj)


class _Balance(MoneyField):
    def get_value(self, obj, attr, accessor=None, default=None):
        return account_money_of(obj).total


def account_money_of(account):
    cache = g.setdefault("wk_account_money", {})
    if account.id not in cache:
        cache[account.id] = account_money(database.session(), account)
    return cache[account.id]


class AccountProfileSchema(Schema):
    tenant_name = Text(required=True, validate=validate.Length(min=1, max=120))
    phone = Text(validate=validate.Regexp(r"^[0-9+() -]{0,32}$"))
    unit_id = fields.Integer(allow_none=True)
    alarm1_threshold = MoneyField(non_negative=True,
                                  metadata={"description": "Alarm level 1 (default: the site's)"})
    alarm2_threshold = MoneyField(non_negative=True,
                                  metadata={"description": "Alarm level 2 (default: the site's)"})
    arrears_rule = fields.Enum(ArrearsRule, by_value=True,
                               metadata={"description": "trip at zero, overdraft to the site's "
                                                        "limit, or protect (保电, never trip)"})
    credit_cap = MoneyField(non_negative=True, allow_none=True,
                            metadata={"description": "The most the wallet may hold (empty: the "
                                                     "site's cap)"})


class AccountSchema(AccountProfileSchema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(required=True)
    number = fields.String(dump_only=True)
    status = fields.Enum(AccountStatus, by_value=True, dump_only=True)
    billing_mode = fields.Enum(BillingMode, by_value=True, dump_only=True, metadata={
        "description": "prepaid, or postpaid (billed monthly); changed at /billing/accounts/{id}/mode"})
    balance = _Balance(dump_only=True, metadata={
        "description": "The tenant's money wherever it is: wallet + in transit + on the meters"})
    money = _Money(AccountMoneySchema, dump_only=True)
    meters = fields.List(fields.Nested(AccountMeterSchema), dump_only=True)
    opened_at = fields.AwareDateTime(dump_only=True)
    closed_at = fields.AwareDateTime(dump_only=True)


class AccountOpenSchema(AccountSchema):
    meter_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1),
                            load_only=True)
    opening_balance = MoneyField(non_negative=True, load_only=True)
    opening_channel = fields.Enum(Channel, by_value=True, load_only=True,
                                  validate=_counter_channel,
                                  metadata={"description": "How the opening balance is paid"})
    carried_over_from = Text(load_only=True, validate=validate.Length(min=1, max=120),
                             metadata={"description": "The old meter whose balance is carried "
                                                      "over (instead of a payment)"})


class AccountMeterRefSchema(Schema):
    meter_id = fields.Integer(required=True)


class MeterSwapSchema(Schema):
    id = fields.Integer(dump_only=True)
    account_id = fields.Integer(dump_only=True)
    old_meter_id = fields.Integer(required=True)
    new_meter_id = fields.Integer(required=True)
    old_final_reading = EnergyField(required=True, metadata={"description": "kWh"})
    new_start_reading = EnergyField(required=True, metadata={"description": "kWh"})
    reason = Text(load_default="", validate=validate.Length(max=255))
    old_seals = Text(load_only=True, load_default="", validate=validate.Length(max=120),
                     metadata={"description": "Seals found on the old meter (its removal event)"})
    new_seals = Text(load_only=True, load_default="", validate=validate.Length(max=120),
                     metadata={"description": "Seals put on the new meter"})
    operator_id = fields.Integer(dump_only=True)
    swapped_at = fields.AwareDateTime(dump_only=True)


class AccountCloseSchema(Schema):
    refund_channel = fields.Enum(Channel, by_value=True, validate=_counter_channel,
                                 metadata={"description": "How what is left is paid back"})
    final_charge = MoneyField(non_negative=True,
                              metadata={"description": "Consumption still to bill at closing"})


class AccountQuerySchema(Schema):
    site_id = fields.Integer()
    status = fields.Enum(AccountStatus, by_value=True)
    number = Text()
    unit_id = fields.Integer()
