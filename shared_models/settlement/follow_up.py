"""After new readings or new money: alarms and enforcement for many meters at once, and local
credit still to push. Looks up the active alarms and the relay commands of all of them in one
query (two on SQLite)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from sqlalchemy import Select, String, any_, bindparam, false, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from shared_models.enums import ControlMode
from shared_models.metering import alarms
from shared_models.models import Command, Meter, MeterState, TenantAccount
from shared_models.models.metering import Alarm
from shared_models.settlement import enforcement, local_credit

from .batch import Run

# `alarms.active_among` for the follow-up's fixed kinds, built once (every sale and every batch
# takes it): the kinds written in, the subjects one parameter (an array on PostgreSQL).
_KINDS = [kind.value for kind in enforcement.FOLLOW_UP_ALARMS]
_ACTIVE = {
    "postgresql": select(Alarm).where(
        Alarm.kind == any_(bindparam("kinds", _KINDS, type_=ARRAY(String))),
        Alarm.subject == any_(bindparam("subjects", type_=ARRAY(String))), Alarm.cleared_at.is_(None)),
    "sqlite": select(Alarm).where(
        Alarm.kind.in_(enforcement.FOLLOW_UP_ALARMS),
        Alarm.subject.in_(bindparam("subjects", expanding=True)), Alarm.cleared_at.is_(None)),
}


def _active(db: Session, subjects: Iterable[str]) -> alarms.Known:
    rows = db.scalars(_ACTIVE[db.get_bind().dialect.name], {"subjects": sorted(subjects)})
    return {(alarm.kind, alarm.subject): alarm for alarm in rows}


@cache
def _alarms_and_commands() -> Select:
    """On PostgreSQL, the active alarms (parameter `subjects`) and the relay commands
    (`relay_ids`) in one statement, built once: the two row sets side by side in a full join
    on false (each row holds an alarm or a command, the other side NULL)."""
    active = _ACTIVE["postgresql"].subquery()
    commands = enforcement.relay_commands("postgresql").subquery()
    alarm, command = aliased(Alarm, active), aliased(Command, commands)
    return select(alarm, command).select_from(active.join(commands, false(), full=True))


def _looked_up(db: Session, subjects: set[str],
               relay_ids: list[int]) -> tuple[alarms.Known, dict[int, enforcement.RelayHistory]]:
    """The active alarms on the subjects and the relay histories of the meters: one statement
    on PostgreSQL, two on SQLite."""
    if not relay_ids or db.get_bind().dialect.name != "postgresql":
        return _active(db, subjects), enforcement.relay_histories(db, relay_ids)
    known: alarms.Known = {}
    found: list[Command] = []
    for alarm_row, command_row in db.execute(_alarms_and_commands(),
                                             {"subjects": sorted(subjects), "relay_ids": relay_ids}):
        if alarm_row is not None:
            known[(alarm_row.kind, alarm_row.subject)] = alarm_row
        if command_row is not None:
            found.append(command_row)
    return known, enforcement.histories_of(relay_ids, found)


def follow_up(run: Run, meters: Sequence[tuple[Meter, MeterState, TenantAccount | None]]) -> list[int]:
    """Each meter with its (locked) state and the open account it is attached to now, if any:
    ORM objects (a sale's) or a batch's plain rows (`rows`), whose accounts hold their wallets.
    Returns the ids of the commands queued (trip, close, recharge pushes)."""
    if not meters:
        return []
    db = run.db
    subjects: set[str] = set()
    for meter, _state, account in meters:
        subjects |= enforcement.follow_up_subjects(meter.id, account.id if account else None)
    known, histories = _looked_up(db, subjects, [
        meter.id for meter, state, account in meters
        if account and meter.control_mode == ControlMode.REMOTE and state.relay_open is not None])
    queued: list[int] = []
    for meter, state, account in meters:
        site = run.site(meter.site_id)
        if account is not None and meter.control_mode == ControlMode.LOCAL:
            local_credit.refund_failed_pushes(db, site, meter.id, state.last_read_at, state.purchase_count)
            push = local_credit.push_credit(db, account.id, now=run.now)
            queued += [push.id] if push is not None else []
        balance = enforcement.balance_of(db, meter, account, state) if account else None
        enforcement.update_alarms(db, site, meter, account, state, balance, run.now, known)
        if account is not None and balance is not None:
            queued += enforcement.enforce(db, site, meter, account, state, balance, run.now,
                                          history=histories.get(meter.id), known=known)
    return queued
