"""Starting a payment, shared by the staff routes, the kiosk's and the tenants': the order is committed before
any gateway hears of it, then the gateway shows a QR or the worker charges a payment code."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_smorest import abort

from backoffice import database, payments, throttle
from backoffice.auth.identity import client_ip, current
from backoffice.auth.scope import visible_site_ids
from backoffice.redis_conn import redis
from metering_worker import transport
from shared_models.errors import InvalidValue
from shared_models.models.ledger import Channel
from shared_models.models.payments import OrderState, PaymentEventKind, PaymentFlow, PaymentOrder
from shared_models.payments import codes, orders
from shared_models.payments.gateways.base import GatewayRefused, GatewayUnavailable


@dataclass(frozen=True)
class Caller:
    """Who starts a payment: where from (console, kiosk, tenant), who, and the sites they see."""

    source: str
    requested_by: str
    site_ids: Collection[int] | None


def staff_caller() -> Caller:
    identity = current()
    return Caller("kiosk" if identity.role.value == "kiosk" else "console", identity.username,
                  visible_site_ids())


def _throttle(account_id: int) -> None:
    """Orders cost a gateway call each and show a payer a QR: bounded per account and address."""
    config, window = current_app.config, current_app.config["PAYMENT_ORDER_WINDOW_S"]
    throttle.spend("orders-account", account_id, budget=config["PAYMENT_ORDERS_PER_ACCOUNT"],
                   window_s=window, field="account_id")
    throttle.spend("orders-address", client_ip(), budget=config["PAYMENT_ORDERS_PER_ADDRESS"],
                   window_s=window)


def new_order(account_id: int, amount: Decimal, flow: PaymentFlow, channel: Channel,
              caller: Caller | None = None):
    caller = caller or staff_caller()
    db = database.session()
    account_site = orders.account_site(db, account_id, site_ids=caller.site_ids)
    gateway = payments.require_gateway(account_site, channel.value)
    _throttle(account_id)
    order = orders.create(db, account_id=account_id, amount=amount,
                          channel=channel, flow=flow, source=caller.source,
                          requested_by=caller.requested_by, site_ids=caller.site_ids,
                          notify_url=payments.notify_url(account_site, channel.value))
    database.commit_now()  # the order exists before any gateway hears of it
    return order, gateway, account_site


def checkout(account_id: int, amount: Decimal, flow: PaymentFlow, channel: Channel, *,
             openid: str | None = None, return_url: str | None = None,
             caller: Caller | None = None) -> PaymentOrder:
    """An order shown to its payer: a QR to scan, a page to open or a WeChat JSAPI call (502
    when the gateway is silent). `caller`: the staff member or device asking, unless given."""
    order, gateway, _site = new_order(account_id, amount, flow, channel, caller)
    try:
        shown = gateway.checkout(
            flow=order.flow.value, out_trade_no=order.out_trade_no, amount=order.amount,
            subject=order.subject, notify_url=order.notify_url,
            expires_at=order.expires_at, created_at=order.created_at,
            openid=openid, return_url=return_url)
    except GatewayRefused as refused:
        orders.close(database.session(), order.id, state=OrderState.CLOSED,
                     reason=f"refused by the gateway: {refused}", kind=PaymentEventKind.CREATE)
        database.commit_now()
        raise InvalidValue("The gateway refused the order: {reason}", field="channel",
                           reason=str(refused)) from None
    except GatewayUnavailable as error:
        orders.record(database.session(), order, order.channel, PaymentEventKind.CREATE,
                      accepted=False, outcome=f"no answer: {error}")
        database.commit_now()
        abort(502, message="The payment gateway did not answer; please try again.")
    order = orders.shown(database.session(), order.id, qr_code=shown.qr_code,
                         pay_url=shown.url, detail={"flow": order.flow.value})
    if shown.jsapi:
        order.jsapi = shown.jsapi  # signed for this page load only: answered, not stored
    return order


def charge_code(account_id: int, amount: Decimal, auth_code: str, *,
                field: str = "auth_code") -> PaymentOrder:
    """An order for a scanned payment code (付款码), charged by the worker; the code is kept
    only in the job's arguments and as a mask on the order."""
    channel = codes.channel_of(auth_code)
    if channel is None or PaymentFlow.PAYMENT_CODE not in orders.FLOWS[channel]:
        raise InvalidValue("This is not an Alipay, WeChat Pay or UnionPay payment code.", field=field)
    order, _gateway, _site = new_order(account_id, amount, PaymentFlow.PAYMENT_CODE, channel)
    order.payer_hint = codes.mask(auth_code)
    database.commit_now()
    transport.charge_payment_code(redis(), order.id, auth_code)
    return order
