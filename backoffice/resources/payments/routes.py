"""Online payment orders for staff and kiosks: start one, follow it, ask its gateway, export."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Page, abort
from sqlalchemy import select

from backoffice import database, payments
from backoffice.announce import announce_after_commit
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict, visible_site_ids
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import (
    BINARY,
    caller_sessions,
    collection,
    download,
    filter_by,
    load,
    naive_utc,
)
from backoffice.resources.payments import start
from backoffice.resources.payments.schemas import (
    NewOrderSchema,
    OrderQuerySchema,
    PaymentCodeSchema,
    PaymentOrderDetailSchema,
    PaymentOrderSchema,
    PaymentRefundSchema,
    RefundQuerySchema,
    RefundReasonSchema,
    RefundRequestSchema,
)
from shared_models.models import Site
from shared_models.models.payments import (
    PaymentEvent,
    PaymentOrder,
    PaymentRefund,
    RefundState,
)
from shared_models.payments import recovery, refunds
from shared_models.workbooks.xlsx import MIME_TYPE, SheetSpec, write_workbook

blp = Blueprint("payments", __name__, url_prefix="/payments",
                description="Online payments (Alipay, WeChat Pay, UnionPay): orders and their history")

COLUMNS = ("Order", "Site", "Account", "Channel", "Flow", "Amount", "State", "Our number",
           "Gateway number", "Created (UTC)", "Paid (UTC)", "Credited (UTC)", "Sale",
           "Refunded", "Needs review", "Review reason")



@blp.route("/orders")
class Orders(MethodView):
    @requires("payments.read")
    @blp.arguments(OrderQuerySchema, location="query")
    @blp.response(200, PaymentOrderSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List online payment orders, newest first."""
        return collection(_query(args))

    @requires("payments.create")
    @idempotent
    @blp.arguments(NewOrderSchema)
    @blp.response(201, PaymentOrderSchema, description="The order with its QR content or page")
    @blp.alt_response(502, description="The gateway did not answer; the order is kept and closed later")
    def post(self, data):
        """Start an online payment: an order with a QR to scan or a page to open."""
        return start.checkout(data["account_id"], data["amount"], data["flow"], data["channel"],
                              openid=data.get("openid"), return_url=data.get("return_url"))


@blp.route("/code-payments")
class CodePayments(MethodView):
    @requires("payments.create")
    @idempotent
    @blp.arguments(PaymentCodeSchema)
    @blp.response(202, PaymentOrderSchema,
                  description="Accepted: the charge runs in the background; follow the order")
    def post(self, data):
        """Charge a payer's payment code (付款码) scanned at a kiosk."""
        return start.charge_code(data["account_id"], data["amount"], data["auth_code"])


@blp.route("/orders/export")
class OrderExport(MethodView):
    @requires("payments.read")
    @blp.arguments(OrderQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The list as .xlsx")
    def get(self, args):
        """The order list as a workbook."""
        db = database.session()
        sheet = SheetSpec("Online payments", COLUMNS, _sheet_rows(db, _query(args)))
        spool = write_workbook([sheet], [("Report", "Online payments 在线支付"), ("Times", "UTC")])
        return download(spool, f"wattkeeper-payments-{date.today():%Y%m%d}.xlsx")


@blp.route("/orders/<int:order_id>")
class OrderById(MethodView):
    @requires("payments.read")
    @blp.response(200, PaymentOrderDetailSchema)
    def get(self, order_id):
        """Get an order with everything its gateway told us about it."""
        order = load(PaymentOrder, order_id)
        order.events = list(database.session().scalars(
            select(PaymentEvent).where(PaymentEvent.order_id == order.id).order_by(PaymentEvent.id)))
        return order


@blp.route("/orders/<int:order_id>/query")
class QueryOrder(MethodView):
    @requires("payments.manage")
    @blp.response(200, PaymentOrderSchema)
    @blp.alt_response(502, description="The gateway did not answer")
    def post(self, order_id):
        """Ask the gateway about the order now, and apply its answer."""
        order, gateway = _loaded(order_id)
        outcome = recovery.check(caller_sessions(), gateway, order.id)
        if outcome is None:
            abort(502, message="The payment gateway did not answer; please try again.")
        announce_after_commit(database.session(), outcome.command_ids)
        return outcome.order


@blp.route("/orders/<int:order_id>/close")
class CloseOrder(MethodView):
    @requires("payments.manage")
    @blp.response(200, PaymentOrderSchema, description="Closed, or credited if it had been paid")
    @blp.alt_response(502, description="The gateway did not answer")
    def post(self, order_id):
        """Close an unpaid order at its gateway (asked first: a paid one is credited instead)."""
        order, gateway = _loaded(order_id)
        outcome = recovery.close(caller_sessions(), gateway, order.id)
        if outcome is None:
            abort(502, message="The payment gateway did not answer; please try again.")
        announce_after_commit(database.session(), outcome.command_ids)
        return outcome.order


@blp.route("/orders/<int:order_id>/refunds")
class OrderRefunds(MethodView):
    @requires("sales.write")
    @idempotent
    @blp.arguments(RefundRequestSchema)
    @blp.response(201, PaymentRefundSchema,
                  description="Sent to the gateway (succeeded, processing, failed, or to be sent "
                              "again), or waiting for a second operator's approval")
    def post(self, data, order_id):
        """Refund part or all of an online payment to the payer, through its gateway."""
        order, gateway = _loaded(order_id)
        refund = refunds.request(database.session(), order.id, amount=data["amount"],
                                 reason=data["reason"], operator_id=current().operator_id,
                                 site_ids=visible_site_ids())
        database.commit_now()  # asked for, before the gateway hears of it
        return _send_if_approved(refund, gateway)


@blp.route("/refunds")
class Refunds(MethodView):
    @requires("payments.read")
    @blp.arguments(RefundQuerySchema, location="query")
    @blp.response(200, PaymentRefundSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List refunds of online payments, newest first."""
        stmt = filter_by(select(PaymentRefund), PaymentRefund, args).join(
            PaymentOrder, PaymentOrder.id == PaymentRefund.order_id)
        return collection(restrict(stmt, PaymentOrder.site_id).order_by(PaymentRefund.id.desc()))


@blp.route("/refunds/<int:refund_id>/approve")
class ApproveRefund(MethodView):
    @requires("sales.approve")
    @idempotent
    @blp.response(200, PaymentRefundSchema)
    def post(self, refund_id):
        """Approve a refund above the threshold (a second operator), and send it."""
        refund = _refund(refund_id)
        gateway = _loaded(refund.order_id)[1]
        refund = refunds.approve(database.session(), refund.id, current().operator_id)
        database.commit_now()
        return _send_if_approved(refund, gateway)


@blp.route("/refunds/<int:refund_id>/reject")
class RejectRefund(MethodView):
    @requires("sales.approve")
    @blp.arguments(RefundReasonSchema)
    @blp.response(200, PaymentRefundSchema)
    def post(self, data, refund_id):
        """Reject a refund waiting for approval: nothing moves."""
        _refund(refund_id)
        return refunds.reject(database.session(), refund_id, current().operator_id, data["reason"])


def _refund(refund_id: int) -> PaymentRefund:
    refund = database.session().get(PaymentRefund, refund_id)
    if refund is None:
        abort(404, message="No such refund.")
    load(PaymentOrder, refund.order_id)  # the caller's sites
    return refund


def _send_if_approved(refund: PaymentRefund, gateway) -> PaymentRefund:
    if refund.state == RefundState.APPROVED:
        recovery.send_refund(caller_sessions(), gateway, refund.id)  # None: sent again by the cron
    db = database.session()
    db.expire_all()  # what the sending sessions wrote
    return refunds.get(db, refund.id)


def _loaded(order_id: int):
    order = load(PaymentOrder, order_id)
    gateway = payments.require_gateway(database.session().get(Site, order.site_id), order.channel.value)
    database.session().commit()  # no transaction stays open across the gateway call
    return order, gateway


def _query(args):
    if args.get("site_id") is not None:
        load(Site, args["site_id"])
    stmt = filter_by(select(PaymentOrder), PaymentOrder, args)
    return restrict(stmt, PaymentOrder.site_id).order_by(PaymentOrder.id.desc())



def _sheet_rows(db, stmt):
    for o in db.scalars(stmt.execution_options(yield_per=500)):
        yield [o.id, o.site_id, o.account_id, o.channel.value, o.flow.value, o.amount, o.state.value,
               o.out_trade_no, o.trade_no or "", naive_utc(o.created_at), naive_utc(o.paid_at),
               naive_utc(o.credited_at), o.sale_id or "", o.refunded_amount,
               "yes" if o.needs_review else "", o.review_reason]
