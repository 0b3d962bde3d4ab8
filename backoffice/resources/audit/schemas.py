"""System log schemas."""

from marshmallow import Schema, fields, validate

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
    id = fields.Integer(validate=validate.Range(1, 2**63 - 1), metadata={
        "description": "One entry (e.g. the first broken row that verify names)"})
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


class EntitySchema(Schema):
    entity = fields.String(metadata={"description": "As the log writes it (a table name)"})
    name = fields.String(metadata={"description": "A row of it in words (English)"})
