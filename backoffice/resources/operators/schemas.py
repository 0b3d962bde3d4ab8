"""Operator schemas."""

from marshmallow import Schema, ValidationError, fields, validate

from backoffice.fields import Text
from shared_models.enums import Role
from shared_models.types import utcnow


class OperatorSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = Text(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]{2,64}$"))
    display_name = Text(load_default="", validate=validate.Length(max=120))
    password = fields.String(load_only=True, required=True, validate=validate.Length(max=256))
    role = fields.Enum(Role, by_value=True, required=True)
    all_sites = fields.Boolean(load_default=False)
    site_ids = fields.Method("dump_site_ids", deserialize="load_site_ids", load_default=list,
                             metadata={"type": "array", "items": {"type": "integer"},
                                       "description": "Sites the operator may see"})
    active = fields.Boolean(load_default=True)
    totp_enabled = fields.Boolean(dump_only=True)
    locked_until = fields.Method("dump_locked_until", dump_only=True, metadata={
        "type": "string", "format": "date-time", "nullable": True,
        "description": "End of the longest lock on this username from some address "
                       "(too many failed logins); lifted by POST /operators/{id}/unlock"})
    created_at = fields.AwareDateTime(dump_only=True)

    def dump_site_ids(self, operator) -> list[int]:
        return sorted(site.id for site in operator.sites)

    def dump_locked_until(self, operator) -> str | None:
        until = operator.locked_until(utcnow())
        return None if until is None else until.isoformat()

    def load_site_ids(self, value) -> list[int]:
        if not isinstance(value, list) or not all(
                isinstance(item, int) and not isinstance(item, bool) for item in value):
            raise ValidationError("Must be a list of site ids.")
        return value


class OperatorQuerySchema(Schema):
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean()


class PermissionSchema(Schema):
    name = fields.String(metadata={"description": "As the API's docs name it, e.g. sales.write"})
    description = fields.String(metadata={"description": "What it lets one do (English)"})


class RoleSchema(Schema):
    role = fields.Enum(Role, by_value=True)
    permissions = fields.List(fields.Nested(PermissionSchema))
