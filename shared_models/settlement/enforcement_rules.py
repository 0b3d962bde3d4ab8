"""The decisions of enforcement, as pure rules: alarm level, trip, close and relay drift.

The rules (the site's settings and the account's arrears rule):
- level: arrears at a balance of 0.00 or less, else alarm 2 below the account's second
  threshold, else alarm 1 below its first;
- trip (remote mode): rule `trip` at arrears (balance <= 0.00); rule `overdraft` once the
  balance is past the site's overdraft limit (balance < -overdraft_limit); never under
  `protect` (保电);
- close: the close-allowed limit is 0.00: a relay that enforcement tripped closes once the
  balance is back above zero (or the account is protected); a relay an operator opened is
  left alone;
- never a second unfinished command of one kind for a meter; while a relay command is on its
  way the relay is not drifting; a meter tripped for overload recloses by itself.
`settlement/enforcement.py` applies them to meters, alarms and the command outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared_models.models.accounts import ArrearsRule
from shared_models.models.commands import CommandKind, CommandOrigin
from shared_models.models.metering import AlarmKind

ZERO = Decimal("0.00")
OPERATOR_TRIP = (CommandKind.TRIP, CommandOrigin.OPERATOR)
AUTOMATIC_TRIP = (CommandKind.TRIP, CommandOrigin.AUTOMATIC)


def balance_level(balance: Decimal, alarm1_threshold: Decimal, alarm2_threshold: Decimal) -> AlarmKind | None:
    if balance <= ZERO:
        return AlarmKind.ARREARS
    if balance < alarm2_threshold:
        return AlarmKind.ALARM2
    if balance < alarm1_threshold:
        return AlarmKind.ALARM1
    return None


def must_trip(balance: Decimal, rule: ArrearsRule, overdraft_limit: Decimal) -> bool:
    if rule == ArrearsRule.PROTECT:
        return False
    if rule == ArrearsRule.OVERDRAFT:
        return balance < -overdraft_limit
    return balance <= ZERO


def may_close(balance: Decimal, rule: ArrearsRule) -> bool:
    return rule == ArrearsRule.PROTECT or balance > ZERO


@dataclass(frozen=True)
class RelayDecision:
    command: CommandKind | None  # TRIP or CLOSE to queue, or nothing
    drift: bool  # the relay differs from what the balance requires, with nothing on its way


def decide_relay(*, relay_open: bool, balance: Decimal, rule: ArrearsRule, overdraft_limit: Decimal,
                 last: tuple[CommandKind, CommandOrigin] | None, overload: bool,
                 unfinished: frozenset[CommandKind]) -> RelayDecision:
    """What a remote-mode meter's relay needs, from fresh data. `last` is the kind and origin of
    the meter's newest relay command; `unfinished` the kinds of those still on their way."""
    required_open = must_trip(balance, rule, overdraft_limit)
    closable = may_close(balance, rule)
    command = None
    if not relay_open and required_open:
        command = CommandKind.TRIP
    elif relay_open and closable and last == AUTOMATIC_TRIP:
        command = CommandKind.CLOSE
    if command in unfinished:
        command = None
    drift = (last != OPERATOR_TRIP and not overload and (required_open or closable)
             and relay_open != required_open and not unfinished and command is None)
    return RelayDecision(command, drift)
