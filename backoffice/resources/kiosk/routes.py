"""The kiosk's own routes: who the device is, look an account up, pay into it, follow the
payment, fetch the receipt. Every call is logged with the device that made it."""

from __future__ import annotations

import logging

from flask import current_app, g, request
from flask.views import MethodView

from backoffice import database, payments, throttle
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.kiosk import receipts, tickets
from backoffice.resources.kiosk.schemas import (
    AccountViewSchema,
    DeviceSchema,
    KioskCodeRequestSchema,
    KioskOrderRequestSchema,
    KioskOrderSchema,
    LookupSchema,
    ReceiptSchema,
)
from backoffice.resources.payments import start
from shared_models.errors import NotFound
from shared_models.kiosk import lookup, summary
from shared_models.ledger.books import wallet_of
from shared_models.models import Operator, Sale, Site, TenantAccount
from shared_models.models.payments import ONLINE_CHANNELS, PaymentFlow, PaymentOrder
from shared_models.payments import orders

log = logging.getLogger("wattkeeper.kiosk")

blp = Blueprint("kiosk", __name__, url_prefix="/kiosk",
                description="Lobby kiosks: look up an account, pay by QR or payment code, receipts")


@blp.after_request
def _log_call(response):
    """One line per call with its device (never the body: it may hold a payment code)."""
    identity = g.get("identity")
    device = f"{identity.operator_id}/{identity.username}" if identity else "-"
    log.info("kiosk %s %s %s -> %s", device, request.method, request.path, response.status_code)
    return response


def _site() -> Site:
    """The kiosk's site: a device is registered at exactly one."""
    site_ids = current().site_ids
    if not site_ids or len(site_ids) != 1:
        raise NotFound("This kiosk is not registered at a site.")
    return database.session().get(Site, next(iter(site_ids)))


def _device_name() -> str:
    operator = database.session().get(Operator, current().operator_id)
    return operator.display_name or operator.username


@blp.route("/device")
class Device(MethodView):
    @requires("kiosk.use")
    @blp.response(200, DeviceSchema)
    def get(self):
        """Who this kiosk is: its site, the gateways set up there, the limits on a payment."""
        site = _site()
        return {"name": _device_name(), "site_code": site.code, "site_name": site.name,
                "timezone": site.timezone,
                "channels": [c.value for c in ONLINE_CHANNELS if payments.gateway_for(site, c.value)],
                "limits": orders.limits_of(site), "presets": current_app.config["KIOSK_PRESETS"],
                "phone_check": current_app.config["KIOSK_PHONE_CHECK"]}


@blp.route("/lookups")
class Lookups(MethodView):
    @requires("kiosk.use")
    @blp.arguments(LookupSchema)
    @blp.response(200, AccountViewSchema)
    def post(self, data):
        """Find the account a tenant typed or scanned; a ticket names it in the next calls."""
        config, site, device_id = current_app.config, _site(), current().operator_id
        throttle.spend("kiosk-lookups", device_id, budget=config["KIOSK_LOOKUPS_PER_DEVICE"],
                       window_s=config["KIOSK_LOOKUP_WINDOW_S"], field="number")
        db = database.session()
        account = lookup.find_account(db, site, data["number"])
        phone = data["phone_last4"]
        if account is not None and phone is not None:
            # Guessing the last 4 digits would take thousands of tries: a few per account.
            throttle.spend("kiosk-phone", account.id, budget=config["KIOSK_PHONE_TRIES_PER_ACCOUNT"],
                           window_s=config["KIOSK_LOOKUP_WINDOW_S"], field="phone_last4")
            if not lookup.phone_matches(account, phone):
                account = None
        if account is None:
            # The same answer for an unknown number and a wrong phone: nothing to enumerate.
            raise NotFound("No account matches what was entered.", field="number")
        detailed = phone is not None or not config["KIOSK_PHONE_CHECK"]
        return _view(account, site, detailed)


def _view(account: TenantAccount, site: Site, detailed: bool) -> dict:
    db = database.session()
    view = summary.summarise(db, account, detailed=detailed)
    limits = orders.limits_of(site, account)
    view.update(ticket=tickets.issue(tickets.Ticket(account.id, current().operator_id, detailed)),
                limits=limits, most=max(min(limits.credit_cap - wallet_of(db, account.id).balance,
                                            limits.maximum), 0))
    if detailed:
        view["name"] = lookup.mask_name(account.tenant_name)
    return view


@blp.route("/orders")
class Orders(MethodView):
    @requires("kiosk.use")
    @idempotent
    @blp.arguments(KioskOrderRequestSchema)
    @blp.response(201, KioskOrderSchema, description="The order with the QR the payer scans")
    @blp.alt_response(502, description="The gateway did not answer; the order is kept and closed later")
    def post(self, data):
        """Start a payment by QR into the looked-up account."""
        ticket = tickets.read(data["ticket"], current().operator_id)
        return start.checkout(ticket.account_id, data["amount"], PaymentFlow.QR, data["channel"])


@blp.route("/code-payments")
class CodePayments(MethodView):
    @requires("kiosk.use")
    @idempotent
    @blp.arguments(KioskCodeRequestSchema)
    @blp.response(202, KioskOrderSchema,
                  description="Accepted: the back office charges the code; follow the order")
    def post(self, data):
        """Charge the payment code (付款码) the kiosk scanned from the payer's phone."""
        ticket = tickets.read(data["ticket"], current().operator_id)
        return start.charge_code(ticket.account_id, data["amount"], data["auth_code"])


def _own_order(order_id: int) -> PaymentOrder:
    """An order this device started; any other is answered as missing."""
    order = database.session().get(PaymentOrder, order_id)
    if order is None or order.source != "kiosk" or order.requested_by != current().username:
        raise NotFound("No such {what}.", what="payment order")
    return order


@blp.route("/orders/<int:order_id>")
class OrderById(MethodView):
    @requires("kiosk.use")
    @blp.response(200, KioskOrderSchema)
    def get(self, order_id):
        """Follow an order this kiosk started; once credited, the new balance and the receipt number."""
        order = _own_order(order_id)
        sale = database.session().get(Sale, order.sale_id) if order.sale_id else None
        order.balance_after = sale.balance_after if sale else None
        order.receipt_number = sale.receipt_number if sale else None
        return order


@blp.route("/orders/<int:order_id>/receipt")
class Receipt(MethodView):
    @requires("kiosk.use")
    @blp.response(200, ReceiptSchema)
    def get(self, order_id):
        """What the receipt of a credited order prints (409 until it is credited)."""
        return receipts.receipt(_own_order(order_id), _device_name(), reprint=False)


@blp.route("/orders/<int:order_id>/reprint")
class Reprint(MethodView):
    @requires("kiosk.use")
    @blp.response(200, ReceiptSchema, description="Counted; print it marked as a reprint")
    def post(self, order_id):
        """Count a reprint of the receipt and answer what it prints."""
        return receipts.receipt(_own_order(order_id), _device_name(), reprint=True)

