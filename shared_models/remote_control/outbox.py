"""Queueing remote-control commands: the outbox row is the command; RQ only carries it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from shared_models.errors import NotFound
from shared_models.metering.meter_states import state_of
from shared_models.models import Command, Meter
from shared_models.models.commands import CommandKind, CommandOrigin, CommandState
from shared_models.types import utcnow

DEFAULT_TTL = timedelta(hours=1)


def next_sequence(db: Session, meter_id: int) -> int:
    """The meter's next mailbox sequence number (1-65535, wrapping), under the state row lock."""
    state = state_of(db, meter_id, lock=True)
    state.command_sequence = state.command_sequence % 0xFFFF + 1
    db.flush()
    return state.command_sequence


def issue(db: Session, *, meter_id: int, kind: CommandKind, payload: dict[str, Any] | None = None,
          operator_id: int | None = None, origin: CommandOrigin = CommandOrigin.OPERATOR,
          ttl: timedelta = DEFAULT_TTL, batch_id: int | None = None,
          purchase_count: int | None = None, ledger_transaction_id: int | None = None) -> Command:
    """Queue one command for one meter. The caller commits, then hands it to the transport."""
    meter = db.get(Meter, meter_id)
    if meter is None:
        raise NotFound("No such {what}.", what="meter")
    now = utcnow()
    command = Command(site_id=meter.site_id, meter_id=meter_id, kind=CommandKind(kind),
                      payload=payload or {}, state=CommandState.QUEUED, origin=origin,
                      operator_id=operator_id, sequence=next_sequence(db, meter_id),
                      batch_id=batch_id, purchase_count=purchase_count,
                      ledger_transaction_id=ledger_transaction_id, attempts=0,
                      next_attempt_at=now, expires_at=now + ttl, created_at=now)
    db.add(command)
    db.flush()
    return command
