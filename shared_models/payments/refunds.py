"""Refunds of online payments to the payer, through the gateway that took the money.

The rule is the counter's (sales.refund): above the site's threshold a second person must
approve. What differs is where the money goes: it leaves through the gateway, so the ledger
moves only when the gateway confirms (`settle`), and every try carries the same
`out_refund_no`, which the gateway refunds once however often it is sent.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.errors import NotFound, RuleViolation
from shared_models.ledger.books import lock_account
from shared_models.models import Site
from shared_models.models.payments import (
    OrderState,
    PaymentEventKind,
    PaymentOrder,
    PaymentRefund,
    RefundState,
)
from shared_models.money import money
from shared_models.payments import orders
from shared_models.payments.gateways.base import RefundResult
from shared_models.sales import sales
from shared_models.types import utcnow

# Refunds that may still take money out of the wallet.
IN_FLIGHT = (RefundState.PENDING_APPROVAL, RefundState.APPROVED, RefundState.PROCESSING)
REFUNDABLE = (OrderState.CREDITED, OrderState.REFUNDING, OrderState.REFUNDED)
FINAL = (RefundState.SUCCEEDED, RefundState.FAILED, RefundState.REJECTED)


def new_out_refund_no(now: datetime) -> str:
    """Ours at every gateway, like an order's number but starting 'WR'."""
    return f"WR{now:%y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


def get(db: Session, refund_id: int, *, lock: bool = False) -> PaymentRefund:
    refund = db.get(PaymentRefund, refund_id, with_for_update=lock or None, populate_existing=lock)
    if refund is None:
        raise NotFound("No such {what}.", what="refund")
    return refund


def _in_flight(db: Session, **where) -> Decimal:
    stmt = select(func.coalesce(func.sum(PaymentRefund.amount), 0)).where(
        PaymentRefund.state.in_(IN_FLIGHT))
    if "order_id" in where:
        stmt = stmt.where(PaymentRefund.order_id == where["order_id"])
    else:
        stmt = stmt.join(PaymentOrder, PaymentOrder.id == PaymentRefund.order_id).where(
            PaymentOrder.account_id == where["account_id"])
    return money(db.scalar(stmt))


def request(db: Session, order_id: int, *, amount: Decimal | str, reason: str, operator_id: int,
            site_ids: Collection[int] | None = None, now: datetime | None = None) -> PaymentRefund:
    """Ask for part or all of a credited payment back, checked against what is left of the
    payment and of the wallet; above the site's threshold it waits for a second person."""
    now = now or utcnow()
    order = orders.get(db, order_id, lock=True)
    if site_ids is not None and order.site_id not in site_ids:
        raise NotFound("No such {what}.", what="payment order")
    if order.state not in REFUNDABLE:
        raise RuleViolation("Only a credited payment can be refunded; this one is {state}.",
                            state=order.state.value)
    amount = money(amount)
    if amount <= 0:
        raise RuleViolation("The amount must be positive.", field="amount")
    most = order.amount - order.refunded_amount - _in_flight(db, order_id=order.id)
    if amount > most:
        raise RuleViolation("At most {most} of this payment can still be refunded.", field="amount",
                            most=max(most, Decimal("0.00")))
    _account, wallet = lock_account(db, order.account_id)  # a closed account may still pay back
    left = wallet.balance - _in_flight(db, account_id=order.account_id)
    if amount > left:
        raise RuleViolation("Only {balance} is left to refund.", field="amount",
                            balance=max(left, Decimal("0.00")))
    site = db.get(Site, order.site_id)
    state = (RefundState.PENDING_APPROVAL if amount > site.refund_approval_threshold
             else RefundState.APPROVED)
    refund = PaymentRefund(order_id=order.id, amount=amount, out_refund_no=new_out_refund_no(now),
                           state=state, reason=reason[:255], requested_by_id=operator_id,
                           created_at=now)
    db.add(refund)
    db.flush()
    return refund


def approve(db: Session, refund_id: int, operator_id: int) -> PaymentRefund:
    refund = _pending(db, refund_id, operator_id)
    refund.state, refund.approved_by_id = RefundState.APPROVED, operator_id
    return refund


def reject(db: Session, refund_id: int, operator_id: int, reason: str = "") -> PaymentRefund:
    refund = _pending(db, refund_id, operator_id)
    refund.state, refund.approved_by_id, refund.completed_at = RefundState.REJECTED, operator_id, utcnow()
    refund.failure = (reason or "rejected")[:255]
    return refund


def _pending(db: Session, refund_id: int, operator_id: int) -> PaymentRefund:
    refund = get(db, refund_id, lock=True)
    if refund.state != RefundState.PENDING_APPROVAL:
        raise RuleViolation("This refund is not waiting for approval; it is {state}.",
                            state=refund.state.value)
    if refund.requested_by_id == operator_id:
        raise RuleViolation("A refund must be approved by someone other than who asked for it.")
    return refund


def sending(db: Session, refund_id: int) -> PaymentRefund:
    """About to go (again) to the gateway: only an approved or processing refund does."""
    refund = get(db, refund_id, lock=True)
    if refund.state not in (RefundState.APPROVED, RefundState.PROCESSING):
        raise RuleViolation("This refund is {state}; it is not sent.", state=refund.state.value)
    refund.sent_at = utcnow()
    order = orders.get(db, refund.order_id, lock=True)
    order.state = OrderState.REFUNDING
    return refund


def settle(db: Session, refund_id: int, result: RefundResult, *, via: PaymentEventKind =
           PaymentEventKind.REFUND) -> PaymentRefund:
    """Apply the gateway's answer about a refund, once: only a confirmed refund moves money."""
    refund = get(db, refund_id, lock=True)
    order = orders.get(db, refund.order_id, lock=True)
    if refund.state in FINAL:
        outcome = f"already {refund.state.value}: nothing to do"
    elif result.state == "succeeded":
        account, wallet = lock_account(db, order.account_id)
        sale = sales.refund_through_gateway(
            db, account, wallet, amount=refund.amount, channel=order.channel,
            operator_id=refund.requested_by_id, approved_by_id=refund.approved_by_id,
            external_key=f"{order.channel.value}:refund:{refund.out_refund_no}",
            reason=refund.reason or f"refund of {order.out_trade_no}")
        refund.state, refund.sale_id, refund.completed_at = RefundState.SUCCEEDED, sale.id, utcnow()
        order.refunded_amount += refund.amount
        outcome = f"refunded, receipt {sale.receipt_number}"
    elif result.state == "processing":
        refund.state = RefundState.PROCESSING
        outcome = "the gateway is processing the refund"
    else:
        refund.state, refund.completed_at = RefundState.FAILED, utcnow()
        refund.failure = "refused by the gateway"
        outcome = "the gateway refused the refund"
    refund.refund_id = result.refund_id or refund.refund_id
    if refund.state != RefundState.PROCESSING and not _others_in_flight(db, refund):
        order.state = OrderState.REFUNDED if order.refunded_amount > 0 else OrderState.CREDITED
    orders.record(db, order, order.channel, via, accepted=True, outcome=outcome,
                  detail={"out_refund_no": refund.out_refund_no, "state": result.state,
                          "amount": str(refund.amount)})
    return refund


def _others_in_flight(db: Session, refund: PaymentRefund) -> bool:
    return bool(db.scalar(select(func.count(PaymentRefund.id)).where(
        PaymentRefund.order_id == refund.order_id, PaymentRefund.id != refund.id,
        PaymentRefund.state.in_((RefundState.APPROVED, RefundState.PROCESSING)),
        PaymentRefund.sent_at.is_not(None))))


def by_out_refund_no(db: Session, out_refund_no: str) -> PaymentRefund | None:
    return db.scalar(select(PaymentRefund).where(PaymentRefund.out_refund_no == out_refund_no))
