"""Schemas of signing in by WeChat and of the WeChat users bound to a phone."""

from marshmallow import Schema, fields, validate

from backoffice.fields import Text


class WechatSignInQuerySchema(Schema):
    site = Text(load_default=None, validate=validate.Length(max=32), metadata={
        "description": "The site's code, where sites use different WeChat official accounts "
                       "(the official account's menu links to /m/?site=CODE)"})


class WechatSignInCallbackSchema(Schema):
    code = fields.String(load_default="", validate=validate.Length(max=512))
    state = fields.String(load_default="", validate=validate.Length(max=128))


class WechatSignInOfferSchema(Schema):
    available = fields.Boolean(metadata={"description": "Whether WeChat may sign a tenant in "
                                                        "(a site turned it on and WeChat is set up)"})


class WechatBindingSchema(Schema):
    id = fields.Integer()
    openid = fields.String(metadata={"description": "The WeChat user's openid, partly hidden"})
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When it last signed in"})
    this_wechat = fields.Boolean(metadata={"description": "Whether it is the WeChat user of this "
                                                          "session (tenant answers only)"})
