"""Ledger schemas."""

from marshmallow import Schema, fields

from backoffice.fields import MoneyField
from shared_models.models.ledger import AccountKind, Channel, TransactionKind


class LedgerAccountSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    kind = fields.Enum(AccountKind, by_value=True)
    channel = fields.Enum(Channel, by_value=True, allow_none=True)
    tenant_account_id = fields.Integer(allow_none=True)
    code = fields.String()
    balance = MoneyField(metadata={"description": "Sum of the postings: money in minus money out"})


class LedgerPostingSchema(Schema):
    account_id = fields.Integer()
    amount = MoneyField()


class LedgerTransactionSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    kind = fields.Enum(TransactionKind, by_value=True)
    reason = fields.String()
    operator_id = fields.Integer(allow_none=True)
    external_key = fields.String(allow_none=True)
    corrects_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    postings = fields.List(fields.Nested(LedgerPostingSchema))


class LedgerQuerySchema(Schema):
    site_id = fields.Integer()
    kind = fields.Enum(AccountKind, by_value=True)


class LedgerVerifyQuerySchema(Schema):
    site_id = fields.Integer()


class LedgerTransactionQuerySchema(Schema):
    site_id = fields.Integer()
    kind = fields.Enum(TransactionKind, by_value=True)
    account_id = fields.Integer()


class LedgerProblemSchema(Schema):
    check = fields.String()
    subject_id = fields.String()
    detail = fields.String()


class LedgerVerifySchema(Schema):
    ok = fields.Boolean()
    transactions = fields.Integer()
    wallets = fields.Integer()
    problems = fields.List(fields.Nested(LedgerProblemSchema))
