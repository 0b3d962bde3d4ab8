"""System log schemas."""

from marshmallow import Schema, fields

from backoffice.fields import Text


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    ip = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    hash = fields.String()


class AuditQuerySchema(Schema):
    actor_name = Text()
    action = Text()
    entity = Text()
    entity_id = Text()
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()


class VerifySchema(Schema):
    ok = fields.Boolean()
    checked = fields.Integer()
    broken_entry_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
