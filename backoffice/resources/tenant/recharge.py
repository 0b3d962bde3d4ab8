"""A tenant pays into their own account through the one order machinery the console and the
kiosks use; the method follows where the page runs (WeChat JSAPI, Alipay WAP, or a QR)."""

from __future__ import annotations

import io
from functools import partial

import segno
from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import abort

from backoffice import database, payments
from backoffice.announce import announce_after_commit
from backoffice.auth.identity import client_ip
from backoffice.auth.permissions import tenant_only
from backoffice.auth.tenant import authorize_tenant, own_account
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.payments import start
from backoffice.resources.tenant.schemas import TenantOrderSchema, TenantOrderViewSchema
from shared_models.audit import Actor
from shared_models.errors import RuleViolation
from shared_models.metering.balances import account_money
from shared_models.models import PaymentOrder, Site
from shared_models.models.ledger import Channel
from shared_models.models.payments import OrderState, PaymentFlow
from shared_models.payments import recovery

blp = Blueprint("tenant-payments", __name__, url_prefix="/tenant",
                description="A tenant's own online payments (Alipay, WeChat Pay, UnionPay)")

METHODS = {"jsapi": (Channel.WECHAT, PaymentFlow.JSAPI), "wap": (Channel.ALIPAY, PaymentFlow.WAP)}


def _return_url() -> str:
    """Where Alipay's page sends the payer back: the tenant pages, which follow the order."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + "/m/"


@blp.route("/accounts/<int:account_id>/orders")
class Orders(MethodView):
    @tenant_only
    @idempotent
    @blp.arguments(TenantOrderSchema)
    @blp.response(201, TenantOrderViewSchema)
    @blp.alt_response(502, description="The gateway did not answer; the order is kept and closed later")
    def post(self, data, account_id):
        """Pay into one's account: a JSAPI call, an Alipay page, or a QR (with its countdown)."""
        tenant = authorize_tenant()
        account = own_account(account_id)
        channel, flow = METHODS.get(data["method"], (data["channel"], PaymentFlow.QR))
        if flow == PaymentFlow.JSAPI and not tenant.wechat_openid:
            raise RuleViolation("Open this page inside WeChat again to pay with WeChat Pay.",
                                field="method")
        return start.checkout(account.id, data["amount"], flow, channel,
                              openid=tenant.wechat_openid or None,
                              return_url=_return_url() if flow == PaymentFlow.WAP else None,
                              caller=start.Caller("tenant", "tenant " + tenant.masked_phone, None))


def _own_order(account_id: int, order_id: int) -> PaymentOrder:
    account = own_account(account_id)
    order = database.session().get(PaymentOrder, order_id)
    if order is None or order.account_id != account.id:
        abort(404, message="No such payment order.")
    return order


def _view(order: PaymentOrder) -> PaymentOrder:
    """The order as the tenant follows it: with the new balance once it is credited."""
    order.balance, order.receipt_id = None, order.sale_id
    if order.state == OrderState.CREDITED:
        account = own_account(order.account_id)
        order.balance = account_money(database.session(), account).total
    return order


@blp.route("/accounts/<int:account_id>/orders/<int:order_id>")
class OrderById(MethodView):
    @tenant_only
    @blp.response(200, TenantOrderViewSchema)
    def get(self, account_id, order_id):
        """Follow a payment: its state, and the new balance and receipt once credited."""
        return _view(_own_order(account_id, order_id))


@blp.route("/accounts/<int:account_id>/orders/<int:order_id>/cancel")
class CancelOrder(MethodView):
    @tenant_only
    @blp.response(200, TenantOrderViewSchema, description="Closed, or credited if it had been paid")
    @blp.alt_response(502, description="The gateway did not answer")
    def post(self, account_id, order_id):
        """Cancel an unpaid payment (asked first at the gateway: a paid one is credited instead)."""
        tenant = authorize_tenant()
        order = _own_order(account_id, order_id)
        db = database.session()
        gateway = payments.require_gateway(db.get(Site, order.site_id), order.channel.value)
        db.commit()  # no transaction stays open across the gateway call
        sessions = partial(current_app.extensions["wk_sessions"],
                           info={"actor": Actor(None, "tenant " + tenant.masked_phone, client_ip())})
        outcome = recovery.close(sessions, gateway, order.id, reason="cancelled by the tenant")
        if outcome is None:
            abort(502, message="The payment gateway did not answer; please try again.")
        announce_after_commit(db, outcome.command_ids)
        db.expire_all()
        return _view(_own_order(account_id, order_id))


@blp.route("/accounts/<int:account_id>/orders/<int:order_id>/qr.svg")
class OrderQr(MethodView):
    @tenant_only
    @blp.response(200, {"type": "string"}, content_type="image/svg+xml",
                  description="The order's QR code as SVG")
    def get(self, account_id, order_id):
        """The QR code a payer scans with Alipay, WeChat or a UnionPay app (QR orders)."""
        order = _own_order(account_id, order_id)
        if not order.qr_code:
            abort(404, message="This payment has no QR code.")
        svg = io.BytesIO()
        segno.make(order.qr_code, error="m").save(svg, kind="svg", scale=6, border=2,
                                                  xmldecl=False, title="QR")
        return Response(svg.getvalue(), mimetype="image/svg+xml",
                        headers={"Cache-Control": "private, max-age=300"})
