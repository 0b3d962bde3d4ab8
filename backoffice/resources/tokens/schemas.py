"""Bearer token schemas."""

from marshmallow import Schema, fields, validate

from backoffice.fields import Id, Text


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    operator_id = Id(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=120))
    days = fields.Integer(load_only=True, load_default=365, validate=validate.Range(1, 3650))
    prefix = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    last_used_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class IssuedTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "Shown once; store it safely"})


class TokenQuerySchema(Schema):
    operator_id = Id()
