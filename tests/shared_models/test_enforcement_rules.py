"""Enforcement's decisions as tables: alarm level, trip, close and relay drift."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared_models.models.accounts import ArrearsRule
from shared_models.models.commands import CommandKind, CommandOrigin
from shared_models.models.metering import AlarmKind
from shared_models.settlement.enforcement_rules import balance_level, decide_relay, may_close, must_trip

D = Decimal
TRIP, CLOSE = CommandKind.TRIP, CommandKind.CLOSE
AUTO_TRIP = (TRIP, CommandOrigin.AUTOMATIC)
OPERATOR_TRIP = (TRIP, CommandOrigin.OPERATOR)
RULE_TRIP, OVERDRAFT, PROTECT = ArrearsRule.TRIP, ArrearsRule.OVERDRAFT, ArrearsRule.PROTECT


@pytest.mark.parametrize(("balance", "level"), [
    ("25.00", None), ("20.00", None), ("19.99", AlarmKind.ALARM1), ("5.00", AlarmKind.ALARM1),
    ("4.99", AlarmKind.ALARM2), ("0.01", AlarmKind.ALARM2), ("0.00", AlarmKind.ARREARS),
    ("-3.00", AlarmKind.ARREARS),
])
def test_balance_level_with_thresholds_20_and_5(balance, level):
    assert balance_level(D(balance), D("20.00"), D("5.00")) is level


@pytest.mark.parametrize(("balance", "rule", "trip", "close"), [
    ("0.01", RULE_TRIP, False, True), ("0.00", RULE_TRIP, True, False), ("-1.00", RULE_TRIP, True, False),
    ("-5.00", OVERDRAFT, False, False), ("-5.01", OVERDRAFT, True, False), ("0.01", OVERDRAFT, False, True),
    ("-100.00", PROTECT, False, True), ("0.00", PROTECT, False, True),
])
def test_trip_and_close_by_rule_with_an_overdraft_limit_of_5(balance, rule, trip, close):
    assert must_trip(D(balance), rule, D("5.00")) is trip
    assert may_close(D(balance), rule) is close


@pytest.mark.parametrize(
    ("relay_open", "balance", "rule", "last", "overload", "unfinished", "command", "drift"), [
    # closed relay, arrears: trip (once)
    (False, "0.00", RULE_TRIP, None, False, frozenset(), TRIP, False),
    (False, "0.00", RULE_TRIP, None, False, frozenset({TRIP}), None, False),
    # open relay we tripped, money back: close; one an operator opened stays open, no drift
    (True, "10.00", RULE_TRIP, AUTO_TRIP, False, frozenset(), CLOSE, False),
    (True, "10.00", RULE_TRIP, OPERATOR_TRIP, False, frozenset(), None, False),
    # open relay nobody asked for, money on the account: drift (unless an overload reclose is due)
    (True, "10.00", RULE_TRIP, None, False, frozenset(), None, True),
    (True, "10.00", RULE_TRIP, None, True, frozenset(), None, False),
    # a relay command on its way: no drift
    (True, "10.00", RULE_TRIP, None, False, frozenset({CommandKind.PROTECT}), None, False),
    # protected (保电): never tripped; a closed relay is right at any balance
    (False, "-50.00", PROTECT, None, False, frozenset(), None, False),
    # overdraft rule inside the limit: stays closed; open and inside the limit: not drifting
    (False, "-3.00", OVERDRAFT, None, False, frozenset(), None, False),
    (True, "-3.00", OVERDRAFT, None, False, frozenset(), None, False),
    # open and in arrears: as required
    (True, "-1.00", RULE_TRIP, AUTO_TRIP, False, frozenset(), None, False),
])
def test_relay_decisions(relay_open, balance, rule, last, overload, unfinished, command, drift):
    decision = decide_relay(relay_open=relay_open, balance=D(balance), rule=rule, overdraft_limit=D("5.00"),
                            last=last, overload=overload, unfinished=unfinished)
    assert (decision.command, decision.drift) == (command, drift)
