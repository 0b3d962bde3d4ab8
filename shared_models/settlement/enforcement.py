"""Enforcement applied: alarms and automatic relay commands from a meter's balance, relay and
status, decided by the pure rules in `settlement/enforcement_rules.py`, on fresh data only
(`freshness.is_stale`); local-mode meters keep their own relay, so only alarms apply."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.ledger.books import wallet_of
from shared_models.metering import alarms, balances
from shared_models.metering.freshness import is_stale
from shared_models.models import Command, Meter, MeterState, Site, TenantAccount
from shared_models.models.accounts import BillingMode
from shared_models.models.commands import OPEN_STATES, CommandKind, CommandOrigin
from shared_models.models.metering import AlarmKind
from shared_models.remote_control import outbox
from shared_models.settlement.enforcement_rules import balance_level, decide_relay
from shared_models.settlement.statements import among, dialect_of

ZERO = Decimal("0.00")
OVERLOAD_BIT = 1 << 7  # status b7: overload trip
LEVELS = (AlarmKind.ALARM1, AlarmKind.ALARM2, AlarmKind.ARREARS)
RELAY_KINDS = (CommandKind.TRIP, CommandKind.CLOSE, CommandKind.PROTECT)
# Every alarm kind the follow-up of a reading or a sale raises or clears.
FOLLOW_UP_ALARMS = (AlarmKind.OVERLOAD, *LEVELS, AlarmKind.RELAY_DRIFT)


@dataclass(frozen=True)
class RelayHistory:
    """What enforcement needs of a meter's relay commands: the newest, and the kinds of
    those still on their way."""

    last: Command | None = None
    unfinished: frozenset[CommandKind] = frozenset()


@cache
def relay_commands(dialect: str) -> Select:
    """The query for what `RelayHistory` needs of the meters `relay_ids`: each one's newest
    relay command and those still open. Built once per dialect."""
    newest = (select(func.max(Command.id))
              .where(among(dialect, Command.meter_id, "relay_ids"), Command.kind.in_(RELAY_KINDS))
              .group_by(Command.meter_id))
    return select(Command).where(among(dialect, Command.meter_id, "relay_ids"),
                                 Command.kind.in_(RELAY_KINDS),
                                 or_(Command.id.in_(newest), Command.state.in_(OPEN_STATES)))


def histories_of(meter_ids: Iterable[int], commands: Iterable[Command]) -> dict[int, RelayHistory]:
    """`RelayHistory` of each meter from the rows of `relay_commands`."""
    last: dict[int, Command] = {}
    unfinished: dict[int, set[CommandKind]] = {}
    for command in sorted(commands, key=lambda c: c.id):
        last[command.meter_id] = command
        if command.state in OPEN_STATES:
            unfinished.setdefault(command.meter_id, set()).add(command.kind)
    return {m: RelayHistory(last.get(m), frozenset(unfinished.get(m, ()))) for m in meter_ids}


def relay_histories(db: Session, meter_ids: Iterable[int]) -> dict[int, RelayHistory]:
    """`RelayHistory` of each meter, in one query."""
    ids = list(meter_ids)
    if not ids:
        return {}
    return histories_of(ids, db.scalars(relay_commands(dialect_of(db)), {"relay_ids": ids}))


def follow_up_subjects(meter_id: int, account_id: int | None) -> set[str]:
    """The alarm subjects `update_alarms` and `enforce` look at for one meter."""
    subjects = {alarms.subject_of(meter_id=meter_id)}
    if account_id is not None:
        subjects.add(alarms.subject_of(account_id=account_id))
    return subjects


def balance_of(db: Session, meter: Meter, account: TenantAccount, state: MeterState) -> Decimal | None:
    """The money that keeps this meter on: the wallet (remote), or for a meter with its own
    wallet (local) what it holds plus what is on its way to it (`balances.meter_money`).
    None for a postpaid account: it is collected by bills, never tripped or warned for its
    wallet."""
    if account.billing_mode == BillingMode.POSTPAID:
        return None
    if meter.control_mode == ControlMode.LOCAL:
        return None if state.balance is None else balances.meter_money(db, account, state)
    # The wallet loads with its account (selectin): the same object wallet_of would return.
    return (account.wallet or wallet_of(db, account.id)).balance


def update_alarms(db: Session, site: Site, meter: Meter, account: TenantAccount | None,
                  state: MeterState, balance: Decimal | None, at: datetime,
                  known: alarms.Known | None = None) -> None:
    """Balance level (on the account, or on the meter for a meter-held wallet) and overload.
    `known`: the active alarms of `FOLLOW_UP_ALARMS` on the meter and its account, if the
    caller looked them up for many meters at once."""
    subject = ({"meter_id": meter.id} if account is None or meter.control_mode == ControlMode.LOCAL
               else {"account_id": account.id})
    if known is None:  # the overload alarm and the balance levels, looked up together
        known = alarms.active_among(db, (AlarmKind.OVERLOAD, *LEVELS),
                                    {alarms.subject_of(meter_id=meter.id), alarms.subject_of(**subject)})
    if state.status_bits & OVERLOAD_BIT:
        alarms.raise_alarm(db, AlarmKind.OVERLOAD, site_id=site.id, meter_id=meter.id, at=at,
                           detail=f"overload trip, status 0x{state.status_bits:04x}", known=known)

    else:
        alarms.clear_alarm(db, AlarmKind.OVERLOAD, meter_id=meter.id, at=at, known=known)
    if account is None or balance is None:
        return
    level = balance_level(balance, account.alarm1_threshold, account.alarm2_threshold)
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
    from shared_models.notifications.sms import notify

    notify(db, account_id=account_id, kind=kind.value, context=context, dedup_key=key, at=at)


def enforce(db: Session, site: Site, meter: Meter, account: TenantAccount, state: MeterState,
            balance: Decimal, now: datetime, *, history: RelayHistory | None = None,
            known: alarms.Known | None = None) -> list[int]:
    """Trip or close a remote-mode meter's relay if its balance calls for it; relay drift.
    `history` and `known` (the meter's relay commands and active alarms) when the caller looked
    them up for many meters at once."""
    if meter.control_mode != ControlMode.REMOTE or state.relay_open is None:
        return []
    if is_stale(state.last_read_at, site.poll_interval_s, now):
        return []
    if history is None:
        history = relay_histories(db, [meter.id])[meter.id]
    last = history.last
    decision = decide_relay(
        relay_open=state.relay_open, balance=balance, rule=account.arrears_rule,
        overdraft_limit=site.overdraft_limit, last=None if last is None else (last.kind, last.origin),
        overload=bool(state.status_bits & OVERLOAD_BIT), unfinished=history.unfinished)
    queued = [] if decision.command is None else _queue(db, meter, decision.command, f"balance {balance}")
    if decision.drift:
        alarms.raise_alarm(db, AlarmKind.RELAY_DRIFT, site_id=site.id, meter_id=meter.id, at=now,
                           detail=f"relay {'open' if state.relay_open else 'closed'}, "
                                  f"balance {balance}, rule {account.arrears_rule.value}", known=known)
    else:
        alarms.clear_alarm(db, AlarmKind.RELAY_DRIFT, meter_id=meter.id, at=now, known=known)
    return queued


def _queue(db: Session, meter: Meter, kind: CommandKind, reason: str) -> list[int]:
    command = outbox.issue(db, meter_id=meter.id, kind=kind, origin=CommandOrigin.AUTOMATIC,
                             payload={"reason": reason})
    return [command.id]
