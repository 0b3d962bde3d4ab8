"""Amount rules on the recharge screen: the site's smallest and largest payment and the
stored-credit cap (what the back office will refuse anyway, said before a QR is made)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kiosk_app.words import N_

_AMOUNT = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")


@dataclass(frozen=True)
class Limits:
    minimum: Decimal
    maximum: Decimal
    most_now: Decimal  # the cap less the balance, and the maximum: the most this account may add

    @classmethod
    def from_api(cls, view: dict) -> Limits:
        limits = view["limits"]
        return cls(Decimal(limits["minimum"]), Decimal(limits["maximum"]), Decimal(view["most"]))


def parse(text: str) -> Decimal | None:
    if not _AMOUNT.fullmatch(text or ""):
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def problem(amount: Decimal | None, limits: Limits) -> tuple[str, dict] | None:
    """Why this amount cannot be paid (a msgid and its values), or None when it can."""
    if amount is None or amount <= 0:
        return N_("Enter an amount."), {}
    if amount < limits.minimum:
        return N_("The smallest payment is {minimum}."), {"minimum": limits.minimum}
    if limits.most_now < limits.minimum:
        return N_("The balance is at the stored-credit cap; nothing can be added now."), {}
    if amount > limits.most_now:
        return N_("At most {most} can be added now."), {"most": limits.most_now}
    return None


def presets(values: list[str], limits: Limits) -> list[tuple[Decimal, bool]]:
    """The preset amounts, each with whether it may be chosen now."""
    return [(amount, problem(amount, limits) is None) for amount in (Decimal(v) for v in values)]
