"""SMS outbox schemas."""

from marshmallow import Schema, fields

from backoffice.fields import Id
from shared_models.models.notifications import SmsKind, SmsState
from shared_models.notifications.sms_policy import redacted


class SmsMessageSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    account_id = fields.Integer(dump_only=True)
    phone = fields.String(dump_only=True)
    kind = fields.Enum(SmsKind, by_value=True, dump_only=True)
    # A tenant's sign-in code is masked: whoever reads the outbox could sign in with it.
    body = fields.Function(lambda sms: redacted(sms.kind, sms.body), dump_only=True)
    dedup_key = fields.String(dump_only=True, allow_none=True)
    state = fields.Enum(SmsState, by_value=True, dump_only=True)
    attempts = fields.Integer(dump_only=True)
    next_attempt_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    not_before = fields.AwareDateTime(dump_only=True, allow_none=True)
    provider = fields.String(dump_only=True)
    provider_ref = fields.String(dump_only=True)
    last_error = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    sent_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class SmsQuerySchema(Schema):
    site_id = Id()
    account_id = Id()
    state = fields.Enum(SmsState, by_value=True)
    kind = fields.Enum(SmsKind, by_value=True)
