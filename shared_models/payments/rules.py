"""The rules of online payments, as pure functions: what an order may ask for, whether what a
gateway reports matches our order, and which state an order moves to on which news.

No I/O here: `orders.py` and `confirm.py` apply these to rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shared_models.errors import RuleViolation
from shared_models.models.payments import OrderState

# States in which an order still waits for its payer (a notify or a query may pay it).
WAITING = frozenset({OrderState.CREATED, OrderState.PENDING})
# States in which the gateway already took the money.
MONEY_TAKEN = frozenset({OrderState.PAID, OrderState.CREDITED, OrderState.REFUNDING,
                         OrderState.REFUNDED})
GIVEN_UP = frozenset({OrderState.CLOSED, OrderState.EXPIRED})


@dataclass(frozen=True)
class Limits:
    """A site's limits on one online payment."""

    minimum: Decimal
    maximum: Decimal
    credit_cap: Decimal


def check_amount(amount: Decimal, balance: Decimal, limits: Limits) -> None:
    """Refuse, naming the reason, an order no payer should be shown a QR for."""
    if amount < limits.minimum:
        raise RuleViolation("The smallest online payment is {minimum}.", field="amount",
                            minimum=limits.minimum)
    if amount > limits.maximum:
        raise RuleViolation("The largest online payment is {maximum}.", field="amount",
                            maximum=limits.maximum)
    if balance + amount > limits.credit_cap:
        most = max(limits.credit_cap - balance, Decimal("0.00"))
        raise RuleViolation(
            "This would bring the balance to {after}, above the stored-credit cap of {cap}; "
            "at most {most} can be added now.", field="amount",
            after=balance + amount, cap=limits.credit_cap, most=most)


@dataclass(frozen=True)
class Expected:
    """What a gateway's report must agree with: our order and our own ids at that gateway."""

    out_trade_no: str
    amount: Decimal
    app_id: str
    merchant_id: str


@dataclass(frozen=True)
class Reported:
    """The verified facts a gateway reports about a payment."""

    out_trade_no: str
    amount: Decimal | None
    app_id: str
    merchant_id: str


def mismatches(expected: Expected, reported: Reported) -> list[str]:
    """Each business field on which a verified report disagrees with our order, in words.

    A report may be validly signed and still not be for us (another app or merchant at the same
    gateway) or not for this money (a wrong amount): such a report never credits anything.
    Empty ids in a report (a query answer that does not repeat them) are not a mismatch.
    """
    found = []
    if reported.out_trade_no != expected.out_trade_no:
        found.append(f"order {reported.out_trade_no!r} is not {expected.out_trade_no!r}")
    if reported.amount is not None and reported.amount != expected.amount:
        found.append(f"amount {reported.amount} is not the order's {expected.amount}")
    if reported.app_id and reported.app_id != expected.app_id:
        found.append(f"app id {reported.app_id!r} is not ours")
    if reported.merchant_id and reported.merchant_id != expected.merchant_id:
        found.append(f"merchant id {reported.merchant_id!r} is not ours")
    return found


def is_expired(state: OrderState, expires_at: datetime, now: datetime) -> bool:
    """An order still waiting for its payer past its expiry is to be closed at the gateway."""
    return state in WAITING and now >= expires_at
