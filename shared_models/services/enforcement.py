"""Alarms and automatic relay control from a meter's balance, relay and status.

Rules (the site's settings and the account's arrears rule):
- level: arrears at a balance of 0.00 or less, else alarm 2 below the account's second
  threshold, else alarm 1 below its first; one level is active at a time, so each level is
  raised (and the tenant told) once per episode and cleared when a top-up lifts the balance;
- trip (remote mode): rule `trip` at arrears (balance <= 0.00); rule `overdraft` once the
  balance is past the site's overdraft limit (balance < -overdraft_limit); never under
  `protect` (保电);
- close: the close-allowed limit is 0.00: a relay this module tripped closes once the balance
  is back above zero (or the account is protected). A relay an operator opened is left alone;
- decisions only on fresh data (`freshness.is_stale`), never a second unfinished command of
  the same kind for a meter; local-mode meters keep their own relay, so only alarms apply.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.ledger.books import wallet_of
from shared_models.models import Command, Meter, MeterState, Site, TenantAccount
from shared_models.models.accounts import ArrearsRule
from shared_models.models.commands import CommandKind, CommandOrigin, CommandState
from shared_models.models.metering import AlarmKind
from shared_models.services import alarms, balances, commands
from shared_models.services.freshness import is_stale

ZERO = Decimal("0.00")
OVERLOAD_BIT = 1 << 7  # status b7: overload trip
LEVELS = (AlarmKind.ALARM1, AlarmKind.ALARM2, AlarmKind.ARREARS)
RELAY_KINDS = (CommandKind.TRIP, CommandKind.CLOSE, CommandKind.PROTECT)
UNFINISHED = (CommandState.QUEUED, CommandState.SENT, CommandState.ACKNOWLEDGED)


def balance_level(balance: Decimal, account: TenantAccount) -> AlarmKind | None:
    if balance <= ZERO:
        return AlarmKind.ARREARS
    if balance < account.alarm2_threshold:
        return AlarmKind.ALARM2
    if balance < account.alarm1_threshold:
        return AlarmKind.ALARM1
    return None


def must_trip(balance: Decimal, account: TenantAccount, site: Site) -> bool:
    if account.arrears_rule == ArrearsRule.PROTECT:
        return False
    if account.arrears_rule == ArrearsRule.OVERDRAFT:
        return balance < -site.overdraft_limit
    return balance <= ZERO


def may_close(balance: Decimal, account: TenantAccount) -> bool:
    return account.arrears_rule == ArrearsRule.PROTECT or balance > ZERO


def balance_of(db: Session, meter: Meter, account: TenantAccount, state: MeterState) -> Decimal | None:
    """The money that keeps this meter on: the wallet (remote), or for a meter with its own
    wallet (local) what it holds plus what is on its way to it (`balances.meter_money`)."""
    if meter.control_mode == ControlMode.LOCAL:
        return None if state.balance is None else balances.meter_money(db, account, state)
    # The wallet loads with its account (selectin): the same object wallet_of would return.
    return (account.wallet or wallet_of(db, account.id)).balance


def update_alarms(db: Session, site: Site, meter: Meter, account: TenantAccount | None,
                  state: MeterState, balance: Decimal | None, at: datetime) -> None:
    """Balance level (on the account, or on the meter for a meter-held wallet) and overload."""
    subject = ({"meter_id": meter.id} if account is None or meter.control_mode == ControlMode.LOCAL
               else {"account_id": account.id})
    # The overload alarm and the balance levels, looked up together (this runs on every sale).
    known = alarms.active_among(db, (AlarmKind.OVERLOAD, *LEVELS),
                                {alarms.subject_of(meter_id=meter.id), alarms.subject_of(**subject)})
    if state.status_bits & OVERLOAD_BIT:
        alarms.raise_alarm(db, AlarmKind.OVERLOAD, site_id=site.id, meter_id=meter.id, at=at,
                           detail=f"overload trip, status 0x{state.status_bits:04x}", known=known)
    else:
        alarms.clear_alarm(db, AlarmKind.OVERLOAD, meter_id=meter.id, at=at, known=known)
    if account is None or balance is None:
        return
    level = balance_level(balance, account)
    for kind in LEVELS:
        if kind != level:
            alarms.clear_alarm(db, kind, **subject, at=at, known=known)
    if level is None:
        return
    alarm, raised = alarms.raise_alarm(db, level, site_id=site.id, account_id=account.id,
                                       meter_id=subject.get("meter_id"), at=at,
                                       detail=f"balance {balance}", known=known)
    if raised:
        threshold = (account.alarm1_threshold if level == AlarmKind.ALARM1
                     else account.alarm2_threshold if level == AlarmKind.ALARM2 else ZERO)
        _notify(db, account.id, level, {"balance": balance, "threshold": threshold},
                f"alarm:{alarm.id}", at)


def _notify(db: Session, account_id: int, kind: AlarmKind, context: dict, key: str,
            at: datetime) -> None:
    from shared_models.services.notifications import notify

    notify(db, account_id=account_id, kind=kind.value, context=context, dedup_key=key, at=at)


def last_relay_command(db: Session, meter_id: int) -> Command | None:
    return db.scalar(select(Command).where(Command.meter_id == meter_id,
                                           Command.kind.in_(RELAY_KINDS))
                     .order_by(Command.id.desc()).limit(1))


def unfinished(db: Session, meter_id: int, kind: CommandKind) -> bool:
    return db.scalar(select(Command.id).where(Command.meter_id == meter_id, Command.kind == kind,
                                              Command.state.in_(UNFINISHED)).limit(1)) is not None


def enforce(db: Session, site: Site, meter: Meter, account: TenantAccount, state: MeterState,
            balance: Decimal, now: datetime) -> list[int]:
    """Trip or close a remote-mode meter's relay if its balance calls for it; relay drift."""
    if meter.control_mode != ControlMode.REMOTE or state.relay_open is None:
        return []
    if is_stale(state.last_read_at, site.poll_interval_s, now):
        return []
    last = last_relay_command(db, meter.id)
    operator_opened = (last is not None and last.kind == CommandKind.TRIP
                       and last.origin == CommandOrigin.OPERATOR)
    queued: list[int] = []
    if not state.relay_open and must_trip(balance, account, site):
        queued += _queue(db, meter, CommandKind.TRIP, f"balance {balance}")
    elif (state.relay_open and may_close(balance, account) and last is not None
          and last.kind == CommandKind.TRIP and last.origin == CommandOrigin.AUTOMATIC):
        queued += _queue(db, meter, CommandKind.CLOSE, f"balance {balance}")
    required_open = must_trip(balance, account, site)
    overload = bool(state.status_bits & OVERLOAD_BIT)  # the meter recloses by itself
    drift = (not operator_opened and not overload and (required_open or may_close(balance, account))
             and state.relay_open != required_open and last_pending(db, meter.id) is None)
    if drift:
        alarms.raise_alarm(db, AlarmKind.RELAY_DRIFT, site_id=site.id, meter_id=meter.id, at=now,
                           detail=f"relay {'open' if state.relay_open else 'closed'}, "
                                  f"balance {balance}, rule {account.arrears_rule.value}")
    else:
        alarms.clear_alarm(db, AlarmKind.RELAY_DRIFT, meter_id=meter.id, at=now)
    return queued


def last_pending(db: Session, meter_id: int) -> int | None:
    """An unfinished relay command: while one is on its way the relay is not drifting."""
    return db.scalar(select(Command.id).where(Command.meter_id == meter_id,
                                              Command.kind.in_(RELAY_KINDS),
                                              Command.state.in_(UNFINISHED)).limit(1))


def _queue(db: Session, meter: Meter, kind: CommandKind, reason: str) -> list[int]:
    if unfinished(db, meter.id, kind):
        return []
    command = commands.issue(db, meter_id=meter.id, kind=kind, origin=CommandOrigin.AUTOMATIC,
                             payload={"reason": reason})
    return [command.id]
