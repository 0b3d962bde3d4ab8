"""Posting rules, pure: what makes a set of postings a valid transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from shared_models.errors import Conflict, RuleViolation
from shared_models.money import money


class UnbalancedTransaction(RuleViolation):
    """A transaction's postings do not sum to zero, or it has fewer than two."""


class InsufficientBalance(RuleViolation):
    """A wallet would go below zero where the rules do not allow it."""


class DuplicateExternalKey(Conflict):
    """This external key (trade number, Idempotency-Key, purchase count) was already posted."""


@dataclass(frozen=True)
class Leg:
    """One posting before it is written: money into (positive) or out of an account."""

    account_id: int
    amount: Decimal


def check_legs(legs: Iterable[Leg]) -> list[Leg]:
    """The legs of one transaction, refused unless there are two or more summing to zero."""
    legs = [Leg(leg.account_id, money(leg.amount)) for leg in legs]
    if len(legs) < 2:
        raise UnbalancedTransaction("A transaction needs at least two postings.")
    if any(leg.amount == 0 for leg in legs):
        raise UnbalancedTransaction("A posting of zero moves no money.")
    total = sum((leg.amount for leg in legs), Decimal("0.00"))
    if total != 0:
        raise UnbalancedTransaction("The postings sum to {total}, not zero.", total=total)
    return legs


def transfer(source_id: int, target_id: int, amount: Decimal) -> list[Leg]:
    """Move a positive amount from one account to another."""
    amount = money(amount)
    if amount <= 0:
        raise RuleViolation("The amount must be greater than zero.", field="amount")
    return [Leg(source_id, -amount), Leg(target_id, amount)]


def wallet_after(balance: Decimal, change: Decimal, *, may_overdraw: bool) -> Decimal:
    """A wallet's balance after a posting; only consumption may take it below zero (arrears)."""
    after = balance + change
    if after < 0 and change < 0 and not may_overdraw:
        raise InsufficientBalance("The balance is {balance}; {amount} cannot be taken from it.",
                                  balance=balance, amount=-change)
    return after


def check_credit_cap(balance: Decimal, amount: Decimal, cap: Decimal) -> None:
    """Refuse a credit that would leave more stored on an account than the site allows."""
    if balance + amount > cap:
        most = max(cap - balance, Decimal("0.00"))
        raise RuleViolation(
            "This would bring the balance to {after}, above the stored-credit cap of {cap}; "
            "at most {most} can be added now.", field="amount",
            after=balance + amount, cap=cap, most=most)
