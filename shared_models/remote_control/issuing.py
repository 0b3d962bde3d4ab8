"""Issuing commands on behalf of people: one meter, or a batch with one outcome per meter.

The payload is completed when the command is queued (close mode, the site's settings, the
meter's tariff table), so the audited row says exactly what will be written to the meter.
Flushes only; the caller commits, then announces to the transport.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.assets.lifecycle import asset_state_of
from shared_models.enums import AssetState, ControlMode
from shared_models.errors import RuleViolation, WattkeeperError
from shared_models.models import AccountMeter, Command, CommandBatch, Meter, Site, TenantAccount
from shared_models.models.commands import CommandKind, CommandOrigin, CommandState
from shared_models.remote_control import outbox
from shared_models.remote_control.payloads import settings_payload, table_to_json, validate
from shared_models.tariffs.meter_table import table_for_meter
from shared_models.types import utcnow

SETTING_DEFAULTS = {"close_allowed": "0.00", "overload_delay_s": 10, "reclose_minutes": 5}


def check_issuable(kind: CommandKind) -> None:
    if kind == CommandKind.RECHARGE:
        # The purchase count and the ledger transfer belong to the sale that moves the money.
        raise RuleViolation("Recharge pushes are queued by a sale, not issued by hand.", field="kind")


def _account(db: Session, meter_id: int) -> TenantAccount | None:
    return db.scalar(select(TenantAccount).join(AccountMeter, AccountMeter.account_id == TenantAccount.id)
                     .where(AccountMeter.meter_id == meter_id, AccountMeter.detached_at.is_(None)))


def complete(db: Session, meter: Meter, kind: CommandKind, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it will be written to this meter; RuleViolation if the meter cannot take it."""
    state = asset_state_of(db, meter.id)
    if state != AssetState.INSTALLED:  # the device is off its bus
        raise RuleViolation("Meter {serial} is {status}; it takes no commands.", serial=meter.serial_number,
                            status=state.value)
    if kind == CommandKind.CLOSE and "mode" not in payload:
        return {"mode": "allowed" if meter.control_mode == ControlMode.LOCAL else "now"}
    if kind == CommandKind.PUSH_SETTINGS:
        site = db.get(Site, meter.site_id)
        account = _account(db, meter.id)
        alarms = account or site
        known = {"alarm_1": str(alarms.alarm1_threshold), "alarm_2": str(alarms.alarm2_threshold),
                 "overdraft_limit": str(site.overdraft_limit), "overload_limit_w": site.overload_limit_w,
                 **SETTING_DEFAULTS}
        return settings_payload({**known, **payload})
    if kind == CommandKind.PUSH_TARIFF and "table" not in payload:
        return {"table": table_to_json(table_for_meter(db, meter.id))}
    return payload


def issue_one(db: Session, meter: Meter, kind: CommandKind, payload: dict[str, Any], *,
              operator_id: int | None, ttl: timedelta, batch_id: int | None = None) -> Command:
    return outbox.issue(db, meter_id=meter.id, kind=kind, payload=complete(db, meter, kind, payload),
                          operator_id=operator_id, origin=CommandOrigin.OPERATOR, ttl=ttl,
                          batch_id=batch_id)


@dataclass
class BatchRow:
    """One meter's outcome of a batch: its command, or why it got none."""

    meter_id: int
    command_id: int | None = None
    state: CommandState | None = None
    error: str = ""


def issue_batch(db: Session, *, site_id: int, meters: list[Meter], missing: list[int], kind: CommandKind,
                payload: dict[str, Any], operator_id: int | None, ttl: timedelta
                ) -> tuple[CommandBatch, list[BatchRow], list[int]]:
    """One command per meter. A meter that cannot take it gets a failed row saying why.

    Returns the batch, one row per requested meter, and the ids of the queued commands.
    """
    payload = validate(kind, payload)
    batch = CommandBatch(site_id=site_id, kind=kind, operator_id=operator_id, created_at=utcnow())
    db.add(batch)
    db.flush()
    rows: list[BatchRow] = [BatchRow(m, error="No such meter.") for m in missing]
    queued: list[int] = []
    for meter in meters:
        try:
            if meter.site_id != site_id:
                raise RuleViolation("The meter belongs to another site.")
            with db.begin_nested():
                command = issue_one(db, meter, kind, payload, operator_id=operator_id, ttl=ttl,
                                    batch_id=batch.id)
        except WattkeeperError as exc:
            command = _refused(db, batch, meter, kind, payload, operator_id, str(exc))
            rows.append(BatchRow(meter.id, command.id, command.state, command.error))
            continue
        queued.append(command.id)
        rows.append(BatchRow(meter.id, command.id, command.state))
    return batch, rows, queued


def _refused(db: Session, batch: CommandBatch, meter: Meter, kind: CommandKind, payload: dict[str, Any],
             operator_id: int | None, error: str) -> Command:
    """A failed row that never reaches the bus, so the batch's record shows this meter too."""
    now = utcnow()
    command = Command(site_id=meter.site_id, meter_id=meter.id, batch_id=batch.id, kind=kind, payload=payload,
                      state=CommandState.FAILED, origin=CommandOrigin.OPERATOR, operator_id=operator_id,
                      attempts=0, expires_at=now, created_at=now, finished_at=now, error=error[:255])
    db.add(command)
    db.flush()
    return command
