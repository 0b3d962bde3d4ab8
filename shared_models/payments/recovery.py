"""Talking to a gateway about an order: asking, closing, charging a payment code.

Each function takes a session factory because a gateway is never called inside a database
transaction: the order is read in one short transaction, the gateway is called with none open,
and what it said is applied in another (through `confirm.apply`, under the order's lock, so a
notify arriving meanwhile is harmless). The callers are the back office (a person asks now),
the worker's payment-code job and its recovery cron.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared_models.audit import Actor, set_actor
from shared_models.models import Site
from shared_models.models.payments import (
    OrderState,
    PaymentEventKind,
    PaymentOrder,
    PaymentRefund,
    RefundState,
)
from shared_models.payments import codes, confirm, orders, refunds
from shared_models.payments.confirm import Outcome, Report
from shared_models.payments.gateways.base import (
    Charge,
    ChargeState,
    Gateway,
    GatewayRefused,
    GatewayUnavailable,
    RefundResult,
)
from shared_models.payments.rules import WAITING
from shared_models.types import utcnow

log = logging.getLogger(__name__)

RECOVERY = Actor(id=None, name="payment-recovery")

# Orders younger than this are left to their notify; older ones are asked about.
QUERY_AFTER = timedelta(minutes=2)
# A refund sent without a final answer is sent again (same number) after this long.
RESEND_AFTER = timedelta(minutes=1)
# Gateways with no published retry schedule (UnionPay) or a lost notify: ask at most this often.
RECOVERY_BATCH = 200

GatewayLookup = Callable[[str, str], Gateway | None]  # (site code, channel) -> its gateway


@dataclass(frozen=True)
class _Order:
    """What a gateway call needs of an order, read before the call (no session open during it)."""

    id: int
    out_trade_no: str
    amount: object
    created_at: datetime
    trade_no: str | None
    state: OrderState
    site_code: str
    channel: str
    notify_url: str


def _snapshot(db: Session, order_id: int) -> _Order:
    order = orders.get(db, order_id)
    site_code = db.get(Site, order.site_id).code
    return _Order(order.id, order.out_trade_no, order.amount, order.created_at, order.trade_no,
                  order.state, site_code, order.channel.value, order.notify_url)


def report_of(out_trade_no: str, charge: Charge, gateway: Gateway) -> Report:
    """A query's answer as a report (queries do not repeat our ids: they answer for ours)."""
    return Report(out_trade_no=out_trade_no, state=charge.state, trade_no=charge.trade_no,
                  amount=charge.amount, paid_at=charge.paid_at,
                  detail={"state": charge.state.value, "trade_no": charge.trade_no,
                          "amount": str(charge.amount) if charge.amount is not None else None})


def _apply(sessions: sessionmaker[Session], order_id: int, report: Report, gateway: Gateway,
           via: PaymentEventKind) -> Outcome:
    with _session(sessions) as db:
        outcome = confirm.apply(db, order_id, report, via=via, app_id=gateway.app_id,
                                merchant_id=gateway.merchant_id)
        _commit(db, outcome.order)
        return outcome


def _session(sessions: sessionmaker[Session]) -> Session:
    """A session whose changes the system log attributes to the factory's actor (a factory
    called with `info={"actor": ...}`: the back office passes the person), else to recovery."""
    db = sessions()
    if "actor" not in db.info:
        set_actor(db, RECOVERY)
    return db


def _commit(db: Session, order: PaymentOrder) -> None:
    """Commit, then load the order again so that callers can read it after the session ends."""
    db.commit()
    db.refresh(order)


def _note(sessions: sessionmaker[Session], order_id: int, kind: PaymentEventKind, *,
          accepted: bool, outcome: str, detail: dict | None = None) -> None:
    with _session(sessions) as db:
        order = orders.get(db, order_id)
        orders.record(db, order, order.channel, kind, accepted=accepted, outcome=outcome,
                      detail=detail)
        db.commit()


def check(sessions: sessionmaker[Session], gateway: Gateway, order_id: int) -> Outcome | None:
    """Ask the gateway about the order and apply the answer. None if the gateway did not answer
    (the question is noted on the order; the caller may ask again later)."""
    with _session(sessions) as db:
        snap = _snapshot(db, order_id)
    try:
        charge = gateway.query(snap.out_trade_no, created_at=snap.created_at)
    except (GatewayUnavailable, GatewayRefused) as error:
        _note(sessions, order_id, PaymentEventKind.QUERY, accepted=False,
              outcome=f"query failed: {error}")
        return None
    return _apply(sessions, order_id, report_of(snap.out_trade_no, charge, gateway), gateway,
                  PaymentEventKind.QUERY)


def close(sessions: sessionmaker[Session], gateway: Gateway, order_id: int, *,
          state: OrderState = OrderState.CLOSED, reason: str = "closed") -> Outcome | None:
    """Close an unpaid order: ask first (it may have been paid a moment ago), then close it at
    the gateway, then here. Money already taken is credited, never closed away."""
    outcome = check(sessions, gateway, order_id)
    if outcome is None or outcome.order.state not in WAITING:
        return outcome
    with _session(sessions) as db:
        snap = _snapshot(db, order_id)
    try:
        gateway.close(snap.out_trade_no, created_at=snap.created_at)
    except GatewayUnavailable as error:
        _note(sessions, order_id, PaymentEventKind.CLOSE, accepted=False,
              outcome=f"close failed: {error}")
        return None
    except GatewayRefused as error:
        # Closing an order the gateway never heard of (or already closed) leaves nothing to pay.
        log.info("order %s: gateway refused close: %s", order_id, error)
    with _session(sessions) as db:
        order = orders.close(db, order_id, state=state, reason=reason,
                             kind=PaymentEventKind.CLOSE)
        _commit(db, order)
        return Outcome(order, accepted=True, reason=reason)


def charge_code(sessions: sessionmaker[Session], gateway: Gateway, order_id: int, auth_code: str,
                *, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.monotonic) -> Outcome | None:
    """Charge a scanned payment code (付款码) for the order, PAYMENTS.md's way: pay; while the
    payer is typing a password (USERPAYING) or the answer was lost, ask every 5 s; after 30 s
    without a result, cancel (Alipay) or reverse (WeChat), which refunds if it was paid after
    all. Never retried with a new order: a lost answer is asked about, not paid again."""
    with _session(sessions) as db:
        snap = _snapshot(db, order_id)
    if snap.state != OrderState.CREATED:
        return None  # charged already (a retried job): the recovery cron follows it up
    hint = codes.mask(auth_code)
    started = clock()
    try:
        charge = gateway.pay_code(out_trade_no=snap.out_trade_no, amount=snap.amount,
                                  subject=f"电费 Electricity {snap.out_trade_no}",
                                  auth_code=auth_code, created_at=snap.created_at,
                                  notify_url=snap.notify_url)
    except GatewayRefused as refused:
        with _session(sessions) as db:
            order = orders.close(db, order_id, state=OrderState.CLOSED,
                                 reason=f"declined: {refused}", kind=PaymentEventKind.PAY,
                                 detail={"code": hint})
            _commit(db, order)
            return Outcome(order, accepted=True, reason=f"declined: {refused}")
    except GatewayUnavailable as error:
        _note(sessions, order_id, PaymentEventKind.PAY, accepted=False,
              outcome=f"no answer to the charge: {error}; asking", detail={"code": hint})
        charge = None
    else:
        _note(sessions, order_id, PaymentEventKind.PAY, accepted=True,
              outcome=f"charged: {charge.state.value}", detail={"code": hint})
    while charge is None or charge.state in (ChargeState.USERPAYING, ChargeState.PENDING,
                                             ChargeState.NOT_FOUND):
        if clock() - started >= gateway.poll_limit_s:
            return _give_up(sessions, gateway, order_id, snap)
        sleep(gateway.poll_interval_s)
        try:
            charge = gateway.query(snap.out_trade_no, created_at=snap.created_at)
        except (GatewayUnavailable, GatewayRefused):
            charge = None
    return _apply(sessions, order_id, report_of(snap.out_trade_no, charge, gateway), gateway,
                  PaymentEventKind.QUERY)


def _give_up(sessions, gateway: Gateway, order_id: int, snap: _Order) -> Outcome | None:
    try:
        gateway.cancel(snap.out_trade_no, created_at=snap.created_at, amount=snap.amount,
                       trade_no=snap.trade_no, notify_url=snap.notify_url)
    except (GatewayUnavailable, GatewayRefused) as error:
        # The order stays pending: the recovery cron asks again and closes or credits it.
        _note(sessions, order_id, PaymentEventKind.CANCEL, accepted=False,
              outcome=f"cancel failed: {error}; left for recovery")
        with _session(sessions) as db:
            order = orders.get(db, order_id, lock=True)
            if order.state == OrderState.CREATED:
                order.state = OrderState.PENDING
            db.commit()
        return None
    with _session(sessions) as db:
        order = orders.close(db, order_id, state=OrderState.CLOSED,
                             reason="no result within 30 s: cancelled at the gateway",
                             kind=PaymentEventKind.CANCEL)
        _commit(db, order)
        return Outcome(order, accepted=True, reason="cancelled")


def send_refund(sessions: sessionmaker[Session], gateway: Gateway, refund_id: int) -> PaymentRefund | None:
    """Send an approved refund to the gateway (again, with the same number, if it was sent
    before) and apply the answer; a refund the gateway is still processing is asked about
    where the gateway can be asked. None if the gateway did not answer: it is tried later."""
    with _session(sessions) as db:
        refund = refunds.sending(db, refund_id)
        order = orders.get(db, refund.order_id)
        processing = refund.state == RefundState.PROCESSING
        call = {"out_trade_no": order.out_trade_no, "trade_no": order.trade_no,
                "out_refund_no": refund.out_refund_no, "amount": refund.amount,
                "total": order.amount, "created_at": order.created_at,
                "notify_url": order.notify_url, "requested_at": refund.created_at}
        db.commit()
    status = getattr(gateway, "refund_status", None)
    try:
        if processing and status is not None:
            result = status(call["out_refund_no"], requested_at=call["requested_at"])
        else:
            result = gateway.refund(**call)
    except GatewayUnavailable as error:
        _note(sessions, order.id, PaymentEventKind.REFUND, accepted=False,
              outcome=f"no answer to refund {call['out_refund_no']}: {error}; sent again later")
        return None
    except GatewayRefused as refused:
        log.info("refund %s refused: %s", refund_id, refused)
        result = RefundResult("failed", None, call["amount"], raw={"refused": str(refused)})
    with _session(sessions) as db:
        refund = refunds.settle(db, refund_id, result)
        _commit(db, refund)
        return refund


def recover(sessions: sessionmaker[Session], gateways: GatewayLookup, *,
            now: datetime | None = None) -> dict[str, int]:
    """The cron's sweep: ask about orders waiting longer than QUERY_AFTER (a notify may have
    been lost), and close those past their expiry. Returns counts by what happened."""
    now = now or utcnow()
    with _session(sessions) as db:
        rows = db.execute(
            select(PaymentOrder.id, PaymentOrder.expires_at, PaymentOrder.channel, Site.code)
            .join(Site, Site.id == PaymentOrder.site_id)
            .where(PaymentOrder.state.in_(WAITING), PaymentOrder.created_at <= now - QUERY_AFTER)
            .order_by(PaymentOrder.created_at).limit(RECOVERY_BATCH)).all()
    counts = {"asked": 0, "credited": 0, "expired": 0, "unanswered": 0, "unconfigured": 0}
    for order_id, expires_at, channel, site_code in rows:
        gateway = gateways(site_code, channel.value)
        if gateway is None:
            counts["unconfigured"] += 1
            continue
        if now >= expires_at:
            outcome = close(sessions, gateway, order_id, state=OrderState.EXPIRED,
                            reason="expired unpaid: closed at the gateway")
            counts["expired" if outcome and outcome.order.state == OrderState.EXPIRED
                   else "unanswered" if outcome is None else "asked"] += 1
        else:
            outcome = check(sessions, gateway, order_id)
            counts["asked"] += 1
            if outcome is None:
                counts["unanswered"] += 1
        if outcome is not None and outcome.credited:
            counts["credited"] += 1
    counts["refunds"] = _resend_refunds(sessions, gateways, now)
    return counts


def _resend_refunds(sessions: sessionmaker[Session], gateways: GatewayLookup, now: datetime) -> int:
    """Refunds sent without a final answer (lost, or still processing), sent again."""
    with _session(sessions) as db:
        rows = db.execute(
            select(PaymentRefund.id, PaymentOrder.channel, Site.code)
            .join(PaymentOrder, PaymentOrder.id == PaymentRefund.order_id)
            .join(Site, Site.id == PaymentOrder.site_id)
            .where(PaymentRefund.state.in_((RefundState.APPROVED, RefundState.PROCESSING)),
                   PaymentRefund.sent_at <= now - RESEND_AFTER)
            .order_by(PaymentRefund.id).limit(RECOVERY_BATCH)).all()
    sent = 0
    for refund_id, channel, site_code in rows:
        gateway = gateways(site_code, channel.value)
        if gateway is not None:
            send_refund(sessions, gateway, refund_id)
            sent += 1
    return sent
