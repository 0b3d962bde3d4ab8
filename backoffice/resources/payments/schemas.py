"""Online payment schemas."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backoffice.fields import Id, MoneyField, Text
from shared_models.models.ledger import Channel
from shared_models.models.payments import (
    ONLINE_CHANNELS,
    OrderState,
    PaymentEventKind,
    PaymentFlow,
    RefundState,
)


class PaymentEventSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.Enum(PaymentEventKind, by_value=True, dump_only=True)
    accepted = fields.Boolean(dump_only=True)
    outcome = fields.String(dump_only=True)
    detail = fields.Dict(dump_only=True)
    at = fields.AwareDateTime(dump_only=True)


class PaymentOrderSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    account_id = fields.Integer(dump_only=True)
    channel = fields.Enum(Channel, by_value=True, dump_only=True)
    flow = fields.Enum(PaymentFlow, by_value=True, dump_only=True)
    amount = MoneyField(dump_only=True)
    state = fields.Enum(OrderState, by_value=True, dump_only=True)
    out_trade_no = fields.String(dump_only=True)
    trade_no = fields.String(dump_only=True, allow_none=True)
    subject = fields.String(dump_only=True)
    qr_code = fields.String(dump_only=True, allow_none=True,
                            metadata={"description": "What the QR shows (qr flow)"})
    pay_url = fields.String(dump_only=True, allow_none=True,
                            metadata={"description": "The page the payer opens (wap flow)"})
    jsapi = fields.Dict(dump_only=True, metadata={
        "description": "What the WeChat page passes to WeixinJSBridge (jsapi flow, when created)"})
    payer_hint = fields.String(dump_only=True)
    source = fields.String(dump_only=True)
    requested_by = fields.String(dump_only=True)
    refunded_amount = MoneyField(dump_only=True)
    needs_review = fields.Boolean(dump_only=True)
    review_reason = fields.String(dump_only=True)
    sale_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True)
    paid_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    credited_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    closed_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class PaymentOrderDetailSchema(PaymentOrderSchema):
    events = fields.List(fields.Nested(PaymentEventSchema), dump_only=True)


class NewOrderSchema(Schema):
    """An order to show a payer: a QR to scan, a page to open, or a payment code to charge."""

    account_id = Id(required=True)
    amount = MoneyField(required=True)
    channel = fields.Enum(Channel, by_value=True, required=True,
                          validate=validate.OneOf(ONLINE_CHANNELS))
    flow = fields.Enum(PaymentFlow, by_value=True, required=True,
                       validate=validate.OneOf([PaymentFlow.QR, PaymentFlow.WAP, PaymentFlow.JSAPI]))
    return_url = fields.Url(load_default=None, require_tld=False,
                            metadata={"description": "Where the wap flow returns the payer"})
    openid = fields.String(load_default=None, validate=validate.Length(min=1, max=128),
                           metadata={"description": "The payer's WeChat openid (jsapi flow)"})

    @validates_schema
    def _openid_for_jsapi(self, data, **_kwargs):
        if data.get("flow") == PaymentFlow.JSAPI and not data.get("openid"):
            raise ValidationError("The jsapi flow needs the payer's openid.", "openid")


class PaymentCodeSchema(Schema):
    """A payer's payment code (付款码), scanned at a kiosk, to charge for an amount."""

    account_id = Id(required=True)
    amount = MoneyField(required=True)
    auth_code = fields.String(required=True, validate=validate.Regexp(r"^\d{16,24}$",
                              error="A payment code is 16 to 24 digits."),
                              metadata={"description": "The scanned code; never stored whole"})


class OrderQuerySchema(Schema):
    site_id = Id()
    account_id = Id()
    channel = fields.Enum(Channel, by_value=True)
    state = fields.Enum(OrderState, by_value=True)
    needs_review = fields.Boolean()
    out_trade_no = fields.String(validate=validate.Length(max=32))


class PaymentRefundSchema(Schema):
    id = fields.Integer(dump_only=True)
    order_id = fields.Integer(dump_only=True)
    amount = MoneyField(dump_only=True)
    out_refund_no = fields.String(dump_only=True)
    state = fields.Enum(RefundState, by_value=True, dump_only=True)
    reason = fields.String(dump_only=True)
    requested_by_id = fields.Integer(dump_only=True)
    approved_by_id = fields.Integer(dump_only=True, allow_none=True)
    refund_id = fields.String(dump_only=True, allow_none=True)
    failure = fields.String(dump_only=True)
    sale_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    sent_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class RefundRequestSchema(Schema):
    amount = MoneyField(required=True)
    reason = Text(load_default="", validate=validate.Length(max=255))


class RefundReasonSchema(Schema):
    reason = Text(load_default="", validate=validate.Length(max=255))


class RefundQuerySchema(Schema):
    order_id = Id()
    state = fields.Enum(RefundState, by_value=True)
