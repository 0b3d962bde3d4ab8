"""Supply contract schemas: templates, versions, contracts, their history and settings."""

from marshmallow import Schema, fields, validate

from backoffice.fields import Id, Text
from shared_models.contracts.variables import TYPES
from shared_models.models.contracts import ContractKind, ContractState, TemplateVersionState

_value = fields.String(validate=validate.Length(max=500))
_values = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=48)), values=_value,
                      metadata={"description": "Variable name -> value as text (money \"12.50\", "
                                               "date \"2027-01-31\", integer \"60\", a choice)"})


class VariableSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,47}$"))
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    label = Text(validate=validate.Length(max=120))
    required = fields.Boolean(load_default=True)
    choices = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                          validate=validate.Length(max=50))
    default = fields.String(allow_none=True, validate=validate.Length(max=500))


class ClauseSchema(Schema):
    title = Text(load_default="", validate=validate.Length(max=120))
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000),
                         metadata={"description": "Clause text with {name} placeholders"})


class TemplateVersionSchema(Schema):
    id = fields.Integer(dump_only=True)
    template_id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    state = fields.Enum(TemplateVersionState, by_value=True, dump_only=True)
    title = Text(validate=validate.Length(max=120))
    variables = fields.List(fields.Nested(VariableSchema), validate=validate.Length(max=100))
    clauses = fields.List(fields.Nested(ClauseSchema), validate=validate.Length(max=100),
                          metadata={"description": "Leave out to copy the newest version (or "
                                                   "the standard low-voltage contract)"})
    created_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    published_by_id = fields.Integer(dump_only=True, allow_none=True)
    published_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class TemplateVersionBriefSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    state = fields.Enum(TemplateVersionState, by_value=True, dump_only=True)
    title = fields.String(dump_only=True)


class TemplateSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = Id(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=120))
    created_at = fields.AwareDateTime(dump_only=True)
    versions = fields.List(fields.Nested(TemplateVersionBriefSchema), dump_only=True)


class TemplateQuerySchema(Schema):
    site_id = Id()


class ContractSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    account_id = fields.Integer(dump_only=True)
    account_number = fields.String(attribute="account.number", dump_only=True)
    tenant_name = fields.String(attribute="account.tenant_name", dump_only=True)
    number = fields.String(dump_only=True)
    kind = fields.Enum(ContractKind, by_value=True, dump_only=True)
    state = fields.Enum(ContractState, by_value=True, dump_only=True)
    template_version_id = fields.Integer(dump_only=True)
    previous_id = fields.Integer(dump_only=True, allow_none=True)
    values = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    reason = fields.String(dump_only=True)
    drafted_by_id = fields.Integer(dump_only=True, allow_none=True)
    edited_by_id = fields.Integer(dump_only=True, allow_none=True)
    approved_by_id = fields.Integer(dump_only=True, allow_none=True)
    approved_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    signed_on = fields.Date(dump_only=True, allow_none=True)
    signers = fields.List(fields.String(), dump_only=True)
    in_force_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    ended_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    end_reason = fields.String(dump_only=True)
    pdf_sha256 = fields.String(dump_only=True, metadata={"description": "sha256 of the signed PDF"})
    archive_cabinet = fields.String(dump_only=True)
    archive_box = fields.String(dump_only=True)
    archive_number = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class ContractDraftSchema(Schema):
    """From a template version (account_id, template_version_id) or from the account's
    previous contract (previous_id, kind, reason)."""

    account_id = Id(metadata={"description": "With template_version_id"})
    template_version_id = Id()
    previous_id = Id(metadata={"description": "Draw a supplement or a re-signed contract from it"})
    kind = fields.Enum(ContractKind, by_value=True, validate=validate.OneOf(
        [ContractKind.SUPPLEMENT, ContractKind.RESIGN]), metadata={"description": "With previous_id"})
    values = _values
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = Text(load_default="", validate=validate.Length(max=255))


class ContractEditSchema(Schema):
    values = _values
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = Text(validate=validate.Length(max=255))


class ContractSignSchema(Schema):
    signed_on = fields.Date(required=True)
    signers = fields.List(Text(validate=validate.Length(min=1, max=60)), required=True,
                          validate=validate.Length(min=2, max=6),
                          metadata={"description": "Who signed, for both parties"})


class ReasonSchema(Schema):
    reason = Text(load_default="", validate=validate.Length(max=255))


class ArchiveSchema(Schema):
    cabinet = Text(required=True, validate=validate.Length(min=1, max=32))
    box = Text(required=True, validate=validate.Length(min=1, max=32))
    number = Text(required=True, validate=validate.Length(min=1, max=32))


class ContractQuerySchema(Schema):
    site_id = Id()
    account_id = Id()
    state = fields.Enum(ContractState, by_value=True)
    kind = fields.Enum(ContractKind, by_value=True)


class ContractChangeSchema(Schema):
    id = fields.Integer(dump_only=True)
    contract_id = fields.Integer(dump_only=True)
    action = fields.String(dump_only=True)
    changes = fields.Dict(dump_only=True, metadata={"description": "field: [before, after]"})
    reason = fields.String(dump_only=True)
    operator_id = fields.Integer(dump_only=True, allow_none=True)
    at = fields.AwareDateTime(dump_only=True)


class RenewalSchema(ContractSchema):
    days_left = fields.Integer(dump_only=True)


class RenewalQuerySchema(Schema):
    site_id = Id()


class ContractSettingsSchema(Schema):
    site_id = fields.Integer(dump_only=True)
    renewal_lead_days = fields.Integer(required=True, validate=validate.Range(0, 366),
                                       metadata={"description": "Days before the end a contract "
                                                                "shows on the renewal list"})
