"""Tenant sign-in schemas."""

from marshmallow import Schema, fields, validate

from backoffice.fields import Text

_PHONE = validate.Regexp(r"^\+?[\d\s\-()]{11,20}$", error="Enter the mobile number on the account.")


class TenantCodeRequestSchema(Schema):
    account = Text(required=True, validate=validate.Length(min=1, max=48), metadata={
        "description": "The account number, or the serial number of a meter on the account"})
    phone = Text(required=True, validate=_PHONE)


class TenantCodeSentSchema(Schema):
    expires_in_s = fields.Integer(metadata={"description": "How long a code lives"})
    resend_after_s = fields.Integer(metadata={"description": "When another code may be asked for"})


class TenantSignInSchema(TenantCodeRequestSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="The code is 6 digits."))


class TenantAccountBriefSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    tenant_name = fields.String()
    site_name = fields.String()
    place = fields.String(metadata={"description": "Building, floor and unit, when known"})


class TenantSessionSchema(Schema):
    phone = fields.String(metadata={"description": "The phone signed in with, partly hidden"})
    csrf_token = fields.String(metadata={"description": "Send as X-CSRF-Token on writes"})
    accounts = fields.List(fields.Nested(TenantAccountBriefSchema))
    wechat_bound = fields.Boolean(metadata={"description": "Whether a WeChat openid is known "
                                                          "for WeChat Pay inside WeChat"})
    wechat_sign_in_account_id = fields.Integer(allow_none=True, metadata={
        "description": "Inside WeChat, the account through which WeChat may sign this phone in "
                       "next time (/tenant/wechat/authorize?bind=true); null where no site allows it"})
