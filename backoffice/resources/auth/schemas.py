"""Login and second-factor schemas."""

from marshmallow import Schema, fields, validate

from backoffice.resources.operators.schemas import OperatorSchema


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    totp_code = fields.String(load_default=None, allow_none=True,
                              validate=validate.Regexp(r"^\d{6}$"))


class SessionSchema(Schema):
    operator = fields.Nested(OperatorSchema)
    csrf_token = fields.String(allow_none=True,
                               metadata={"description": "Send as X-CSRF-Token on writes (session logins)"})
    permissions = fields.List(fields.String())


class TotpSetupSchema(Schema):
    secret = fields.String()
    provisioning_uri = fields.String()
    qr_svg = fields.String(metadata={"description": "The provisioning URI as a QR code, an SVG document"})


class TotpCodeSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True,
                                     validate=validate.Length(max=256))
    new_password = fields.String(required=True, load_only=True,
                                 validate=validate.Length(max=256))
