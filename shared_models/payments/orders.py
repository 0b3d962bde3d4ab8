"""Payment orders: made and checked before any gateway hears of them, then followed.

The order row is committed before the gateway is called (never call a gateway inside a
database transaction), so a payment can only ever arrive for an order we know. Every exchange
with a gateway leaves an event on the order.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.errors import InvalidValue, NotFound, RuleViolation
from shared_models.ledger.books import wallet_of
from shared_models.models import Site, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.models.ledger import Channel
from shared_models.models.payments import (
    ONLINE_CHANNELS,
    OrderState,
    PaymentEvent,
    PaymentEventKind,
    PaymentFlow,
    PaymentOrder,
)
from shared_models.money import money
from shared_models.payments.rules import WAITING, Limits, check_amount
from shared_models.types import utcnow

# Which flows each gateway offers (PAYMENTS.md): WAP is Alipay's, JSAPI is WeChat's, and the
# kiosks charge all three gateways' payment codes (UnionPay's through ACP's 被扫, txnSubType 06).
FLOWS: dict[Channel, frozenset[PaymentFlow]] = {
    Channel.ALIPAY: frozenset({PaymentFlow.QR, PaymentFlow.PAYMENT_CODE, PaymentFlow.WAP}),
    Channel.WECHAT: frozenset({PaymentFlow.QR, PaymentFlow.PAYMENT_CODE, PaymentFlow.JSAPI}),
    Channel.UNIONPAY: frozenset({PaymentFlow.QR, PaymentFlow.PAYMENT_CODE}),
}


def new_out_trade_no(now: datetime) -> str:
    """Ours at every gateway: 'WK', the UTC time to the second and 10 random hex digits.

    24 characters, 'WK' then digits and A-F, inside every gateway's limits (WeChat 6-32, UnionPay 8-40).
    Random rather than sequential so that order numbers say nothing about our volume.
    """
    return f"WK{now:%y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


def limits_of(site: Site, account: TenantAccount | None = None) -> Limits:
    """A payment's limits at the site; with the account, its own credit cap (a contract's)."""
    cap = account.credit_cap_within(site.credit_cap) if account is not None else site.credit_cap
    return Limits(minimum=site.online_min_amount, maximum=site.online_max_amount, credit_cap=cap)


def account_site(db: Session, account_id: int, *, site_ids: Collection[int] | None = None) -> Site:
    """The site of the account an order is for; an account outside `site_ids` is refused as one
    that does not exist."""
    account = db.get(TenantAccount, account_id)
    if account is None or (site_ids is not None and account.site_id not in site_ids):
        raise NotFound("No such {what}.", field="account_id", what="account")
    return db.get(Site, account.site_id)


def create(db: Session, *, account_id: int, amount: Decimal | str, channel: Channel | str,
           flow: PaymentFlow | str, source: str, requested_by: str, notify_url: str = "",
           site_ids: Collection[int] | None = None, now: datetime | None = None) -> PaymentOrder:
    """A new order for an open account, checked against the site's limits and the stored-credit
    cap before any QR exists. `site_ids` (the caller's sites; None for all) as for sales."""
    now = now or utcnow()
    channel, flow = _channel(channel), _flow(flow)
    if flow not in FLOWS[channel]:
        raise InvalidValue("{channel} does not offer the {flow} flow.", field="flow",
                           channel=channel.value, flow=flow.value)
    amount = money(amount)
    if amount <= 0:
        raise InvalidValue("The amount must be positive.", field="amount")
    account = db.get(TenantAccount, account_id)
    if account is None or (site_ids is not None and account.site_id not in site_ids):
        raise NotFound("No such {what}.", field="account_id", what="account")
    if account.status != AccountStatus.OPEN:
        raise RuleViolation("The account is closed.", field="account_id")
    site = db.get(Site, account.site_id)
    check_amount(amount, wallet_of(db, account.id).balance, limits_of(site, account))
    order = PaymentOrder(site_id=site.id, account_id=account.id, channel=channel, flow=flow,
                         amount=amount, state=OrderState.CREATED,
                         out_trade_no=new_out_trade_no(now),
                         subject=f"电费 Electricity {account.number}"[:128],
                         source=source[:32], requested_by=requested_by[:64],
                         notify_url=notify_url[:255], created_at=now,
                         expires_at=now + timedelta(seconds=site.order_expiry_s))
    db.add(order)
    db.flush()
    return order


def _channel(value: Channel | str) -> Channel:
    try:
        channel = Channel(value)
    except ValueError:
        channel = None
    if channel not in ONLINE_CHANNELS:
        raise InvalidValue("Pay online with one of: {choices}.", field="channel",
                           choices=", ".join(c.value for c in ONLINE_CHANNELS))
    return channel


def _flow(value: PaymentFlow | str) -> PaymentFlow:
    try:
        return PaymentFlow(value)
    except ValueError:
        raise InvalidValue("The flow must be one of: {choices}.", field="flow",
                           choices=", ".join(f.value for f in PaymentFlow)) from None


def get(db: Session, order_id: int, *, lock: bool = False) -> PaymentOrder:
    order = db.get(PaymentOrder, order_id, with_for_update=lock or None, populate_existing=lock)
    if order is None:
        raise NotFound("No such {what}.", field="order_id", what="payment order")
    return order


def by_out_trade_no(db: Session, out_trade_no: str, *, lock: bool = False) -> PaymentOrder | None:
    stmt = select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.scalar(stmt)


def record(db: Session, order: PaymentOrder | None, channel: Channel, kind: PaymentEventKind, *,
           accepted: bool, outcome: str, detail: dict[str, Any] | None = None,
           at: datetime | None = None) -> PaymentEvent:
    """Note an exchange with a gateway on the order (or on no order: a notify we could not place)."""
    event = PaymentEvent(order_id=order.id if order else None, channel=channel, kind=kind,
                         accepted=accepted, outcome=outcome[:255], detail=detail or {},
                         at=at or utcnow())
    db.add(event)
    return event


def shown(db: Session, order_id: int, *, qr_code: str | None, pay_url: str | None,
          detail: dict[str, Any]) -> PaymentOrder:
    """The gateway accepted the order: it now waits for its payer."""
    order = get(db, order_id, lock=True)
    if order.state == OrderState.CREATED:
        order.state = OrderState.PENDING
    order.qr_code, order.pay_url = qr_code, pay_url
    record(db, order, order.channel, PaymentEventKind.CREATE, accepted=True,
           outcome="sent to the gateway", detail=detail)
    return order


def close(db: Session, order_id: int, *, state: OrderState, reason: str,
          kind: PaymentEventKind, detail: dict[str, Any] | None = None,
          now: datetime | None = None) -> PaymentOrder:
    """An order that waited for its payer is closed (declined, cancelled) or expired. Any other
    state is left alone: money that was taken is never un-taken by closing."""
    order = get(db, order_id, lock=True)
    if order.state in WAITING:
        order.state, order.closed_at = state, now or utcnow()
    record(db, order, order.channel, kind, accepted=True, outcome=reason, detail=detail)
    return order
