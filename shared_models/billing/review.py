"""Review before release (exception list): which bills need a person's eye, pure; and the
person's answer, accepted with a note or fixed by recalculating.

A flagged bill is released only after someone accepts its flags (with a note saying why) or
fixes the cause and recalculates it; the bill row's changes go to the system log with who did
it. Bills without flags are reviewed in one step for the whole run.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum


class Flag(StrEnum):
    ZERO_KWH = "zero_kwh"  # nothing used on an open account
    CHANGE = "change"  # far from the average of the last 3 bills
    ESTIMATED = "estimated"  # too much of the energy estimated after gaps (catch-up)
    SWAPPED = "swapped"  # a meter was swapped in the period (换表)
    BACKWARDS = "backwards"  # a reading went backwards


def exceptions(*, kwh: Decimal, estimated_kwh: Decimal, history: Sequence[Decimal], is_open: bool,
               swapped: bool, backwards: bool, change_pct: int, estimated_pct: int) -> list[Flag]:
    """The flags of one bill, in a fixed order. `history`: the kWh of up to 3 earlier bills;
    the change is measured against their average (none without history, or against 0)."""
    flags = []
    if kwh == 0 and is_open:
        flags.append(Flag.ZERO_KWH)
    if history:
        average = sum(history, Decimal(0)) / len(history)
        if average > 0 and abs(kwh - average) * 100 > average * change_pct:
            flags.append(Flag.CHANGE)
    if kwh > 0 and estimated_kwh * 100 > kwh * estimated_pct:
        flags.append(Flag.ESTIMATED)
    if swapped:
        flags.append(Flag.SWAPPED)
    if backwards:
        flags.append(Flag.BACKWARDS)
    return flags
