"""What a gateway reports about an order, applied once: the one place an online payment is
credited, whether the news came by notify, by our query, or from a payment-code charge.

The order row is locked first, so a notify and a query arriving together serialise here and
the second finds the order credited; the ledger's unique (site, "<channel>:<trade_no>") key
is the backstop. A report that is signed but disagrees with the order (amount, app, merchant)
credits nothing and is written to the system log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import audit
from shared_models.errors import WattkeeperError
from shared_models.models.payments import OrderState, PaymentEvent, PaymentEventKind, PaymentOrder
from shared_models.payments import orders
from shared_models.payments.gateways.base import ChargeState
from shared_models.payments.rules import GIVEN_UP, MONEY_TAKEN, WAITING, Expected, Reported, mismatches
from shared_models.sales import sales
from shared_models.types import utcnow


@dataclass(frozen=True)
class Report:
    """Verified facts from a gateway about one of our orders."""

    out_trade_no: str
    state: ChargeState
    trade_no: str | None = None
    amount: Decimal | None = None
    app_id: str = ""
    merchant_id: str = ""
    paid_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)  # what to keep in the order's history


@dataclass
class Outcome:
    order: PaymentOrder
    accepted: bool  # False: the report was refused (mismatch); nothing moved
    credited: bool = False  # this report credited the wallet
    reason: str = ""
    command_ids: list[int] = field(default_factory=list)  # to announce after commit


def apply(db: Session, order_id: int, report: Report, *, via: PaymentEventKind,
          app_id: str, merchant_id: str, now: datetime | None = None) -> Outcome:
    """Apply a verified report to the order, under its row lock. `app_id` and `merchant_id` are
    ours at that gateway (the configured ones), which the report must not contradict."""
    return apply_to(db, orders.get(db, order_id, lock=True), report, via=via, app_id=app_id,
                    merchant_id=merchant_id, now=now)


def apply_to(db: Session, order: PaymentOrder, report: Report, *, via: PaymentEventKind,
             app_id: str, merchant_id: str, now: datetime | None = None) -> Outcome:
    """`apply` for an order the caller has already locked (the notify endpoint finds and locks
    it by our order number in one statement)."""
    now = now or utcnow()
    wrong = mismatches(
        Expected(order.out_trade_no, order.amount, app_id, merchant_id),
        Reported(report.out_trade_no, report.amount, report.app_id, report.merchant_id))
    if wrong:
        reason = "refused: " + "; ".join(wrong)
        orders.record(db, order, order.channel, via, accepted=False, outcome=reason,
                      detail=report.detail, at=now)
        audit.record(db, "payment.report_refused", "payment_order", order.id,
                     after={"via": via.value, "reasons": wrong, **report.detail})
        return Outcome(order, accepted=False, reason=reason)
    if report.state == ChargeState.PAID:
        return _paid(db, order, report, via, now)
    reason = _other(order, report, now)
    orders.record(db, order, order.channel, via, accepted=True, outcome=reason,
                  detail=report.detail, at=now)
    return Outcome(order, accepted=True, reason=reason)


def _other(order: PaymentOrder, report: Report, now: datetime) -> str:
    """News that moves no money: still waiting, closed or declined at the gateway."""
    if report.state in (ChargeState.CLOSED, ChargeState.FAILED) and order.state in WAITING:
        order.state, order.closed_at = OrderState.CLOSED, now
        return f"closed at the gateway ({report.state.value})"
    if report.state in (ChargeState.PENDING, ChargeState.USERPAYING) \
            and order.state == OrderState.CREATED:
        order.state = OrderState.PENDING
    return f"gateway says {report.state.value}; order {order.state.value}"


def _paid(db: Session, order: PaymentOrder, report: Report, via: PaymentEventKind,
          now: datetime) -> Outcome:
    if order.state in MONEY_TAKEN:
        reason = f"already {order.state.value}: nothing to do"
        orders.record(db, order, order.channel, via, accepted=True, outcome=reason,
                      detail=report.detail, at=now)
        return Outcome(order, accepted=True, reason=reason)
    previous = order.state
    detail = {**report.detail, "trade_no": report.trade_no}
    if previous in GIVEN_UP and _cancelled_at_gateway(db, order):
        # A cancel (Alipay trade.cancel, WeChat reverse, UnionPay 31) gives back a charge that
        # was paid after all: news of the payment that crosses it is stale, not money to credit.
        _flag(order, "paid news after the charge was cancelled at the gateway, which returns "
                     "a paid charge: not credited")
        orders.record(db, order, order.channel, via, accepted=True, outcome=order.review_reason,
                      detail=detail, at=now)
        return Outcome(order, accepted=True, reason=order.review_reason)
    outcome = Outcome(order, accepted=True)
    try:
        with db.begin_nested():  # a refused credit leaves the order paid and flagged, not lost
            account, wallet = sales.open_account(db, order.account_id)
            sale = sales.credit(db, account, wallet, amount=order.amount, channel=order.channel,
                                operator_id=None, shift_id=None,
                                external_key=f"{order.channel.value}:{report.trade_no}",
                                reason=f"online payment {order.out_trade_no}",
                                ledger_reason=f"{order.channel.value} {order.out_trade_no}")
    except WattkeeperError as refused:
        order.state = OrderState.PAID
        _flag(order, f"paid but not credited: {refused}")
        outcome.reason = order.review_reason
    else:
        # Written once, with the credit: paid and credited in the same transaction.
        order.state, order.sale_id, order.credited_at = OrderState.CREDITED, sale.id, now
        outcome.credited, outcome.command_ids = True, list(sale.command_ids)
        outcome.reason = f"credited, receipt {sale.receipt_number}"
    order.trade_no, order.paid_at = report.trade_no, report.paid_at or now
    if previous in GIVEN_UP:
        # The payer's money was taken after we stopped waiting: credited, and staff told.
        _flag(order, f"paid after the order was {previous.value}")
    orders.record(db, order, order.channel, via, accepted=True, outcome=outcome.reason,
                  detail=detail, at=now)
    return outcome


def _cancelled_at_gateway(db: Session, order: PaymentOrder) -> bool:
    return db.scalar(select(PaymentEvent.id).where(
        PaymentEvent.order_id == order.id, PaymentEvent.kind == PaymentEventKind.CANCEL,
        PaymentEvent.accepted.is_(True)).limit(1)) is not None


def _flag(order: PaymentOrder, reason: str) -> None:
    order.needs_review = True
    order.review_reason = (f"{order.review_reason}; {reason}" if order.review_reason else reason)[:255]
