"""The gateways' notify endpoints: public by design, authenticated by the signature alone.

Order of checks (PAYMENTS.md): the raw bytes' signature, then the business fields against our
order (same order, amount, app and merchant), then the credit, once. Anything refused answers
4xx in the gateway's own failure shape, leaves a system-log entry and writes no ledger row.
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from backoffice import database, payments
from backoffice.announce import announce_after_commit
from backoffice.auth.identity import client_ip
from backoffice.auth.permissions import public
from backoffice.resources.blueprint import Blueprint
from shared_models import audit
from shared_models.models import Site
from shared_models.models.ledger import Channel
from shared_models.models.payments import ONLINE_CHANNELS, PaymentEventKind, PaymentOrder
from shared_models.payments import confirm, orders, refunds
from shared_models.payments.gateways.base import BadNotify, ChargeState, Gateway, RefundResult

blp = Blueprint("payments-notify", __name__, url_prefix="/payments/notify",
                description="Gateway notifies (Alipay, WeChat Pay, UnionPay): signature-authenticated")

# No gateway's notify comes near this; anything larger is refused before it is read.
MAX_NOTIFY_BYTES = 64 * 1024


@blp.route("/<string:channel>/<string:site_code>")
class Notify(MethodView):
    @public
    @blp.response(200, description="Accepted, in the gateway's own reply format")
    @blp.alt_response(400, description="Refused (unverifiable, not ours, wrong amount), "
                                       "in the gateway's failure format")
    def post(self, channel, site_code):
        """Receive a gateway's payment notify."""
        site = database.session().scalar(select(Site).where(Site.code == site_code))
        gateway = payments.gateway_for(site, channel) if site and channel in ONLINE_CHANNELS else None
        if gateway is None:
            abort(404, message="No such notify endpoint.")
        audit.set_actor(database.session(), audit.Actor(None, f"gateway:{channel}", client_ip()))
        if (request.content_length or 0) > MAX_NOTIFY_BYTES:
            return _refuse(gateway, channel, "body too large", {})
        raw = request.get_data(cache=True)
        if len(raw) > MAX_NOTIFY_BYTES:
            return _refuse(gateway, channel, "body too large", {})
        try:
            news = gateway.verify_notify(raw, request.headers)
        except BadNotify as bad:
            return _refuse(gateway, channel, f"unverified: {bad}", {"length": len(raw)})
        if news.kind == "refund":
            return _refund_news(gateway, channel, site, news)
        # Found and locked in one statement: a query or another notify about it waits here.
        order = orders.by_out_trade_no(database.session(), news.out_trade_no, lock=True)
        if not _ours(order, site, channel):
            return _refuse(gateway, channel, f"not our order: {news.out_trade_no}",
                           {"out_trade_no": news.out_trade_no})
        outcome = confirm.apply_to(database.session(), order, confirm.Report(
            out_trade_no=news.out_trade_no, state=news.state, trade_no=news.trade_no,
            amount=news.amount, app_id=news.app_id, merchant_id=news.merchant_id,
            paid_at=news.paid_at, detail={"notify_id": news.notify_id, "state": news.state.value,
                                          "amount": str(news.amount)}),
            via=PaymentEventKind.NOTIFY, app_id=gateway.app_id, merchant_id=gateway.merchant_id)
        if not outcome.accepted:
            database.commit_now()  # the refusal is kept; nothing else was written
            return _reply(gateway, False, outcome.reason, status=400)
        announce_after_commit(database.session(), outcome.command_ids)
        return _reply(gateway, True)


def _ours(order: PaymentOrder | None, site: Site, channel: str) -> bool:
    return order is not None and order.site_id == site.id and order.channel == Channel(channel)


def _refund_news(gateway: Gateway, channel: str, site: Site, news) -> Response:
    """A gateway reporting the end of a refund we sent, named by our refund number (UnionPay's
    does not repeat the payment's order number)."""
    refund = refunds.by_out_refund_no(database.session(), news.refund_no or "")
    order = database.session().get(PaymentOrder, refund.order_id) if refund else None
    if not _ours(order, site, channel):
        return _refuse(gateway, channel, f"not our refund: {news.refund_no}",
                       {"out_trade_no": news.out_trade_no, "refund_no": news.refund_no})
    if refund.state in refunds.FINAL:
        # Already settled (Alipay confirms refunds in its answer and notifies afterwards).
        orders.record(database.session(), order, order.channel, PaymentEventKind.NOTIFY,
                      accepted=True, outcome=f"refund {refund.out_refund_no} already {refund.state.value}",
                      detail={"refund_no": news.refund_no, "amount": str(news.amount)})
        return _reply(gateway, True)
    # WeChat Pay and UnionPay name this refund's amount; Alipay the payment's refunded total.
    if news.amount not in (refund.amount, order.refunded_amount + refund.amount):
        return _refuse(gateway, channel, f"refund {news.refund_no}: amount {news.amount} is not "
                       f"the refund's {refund.amount}", {"refund_no": news.refund_no})
    state = {ChargeState.REFUNDED: "succeeded", ChargeState.FAILED: "failed",
             ChargeState.CLOSED: "failed"}.get(news.state, "processing")
    refunds.settle(database.session(), refund.id, RefundResult(state, None, news.amount),
                   via=PaymentEventKind.NOTIFY)
    return _reply(gateway, True)


def _refuse(gateway: Gateway, channel: str, reason: str, detail: dict) -> Response:
    db = database.session()
    orders.record(db, None, Channel(channel), PaymentEventKind.NOTIFY, accepted=False,
                  outcome=reason, detail=detail)
    audit.record(db, "payment.notify_refused", "payment_notify", channel,
                 after={"reason": reason, **detail})
    database.commit_now()
    return _reply(gateway, False, reason, status=400)


def _reply(gateway: Gateway, accepted: bool, message: str = "", *, status: int | None = None) -> Response:
    code, body, headers = gateway.notify_reply(accepted, message)
    return Response(body, status=status or code, headers=headers)
