"""The command row's state changes, each in its own short transaction committed before the I/O
it announces, so a worker killed at any point leaves a row that says what may have happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from metering_worker.protocol import HotBlock
from shared_models.audit import WORKER, set_actor
from shared_models.metering.meter_states import record_relay
from shared_models.models import Command, Meter
from shared_models.models.commands import FINAL_STATES, OPEN_STATES, CommandState
from shared_models.types import utcnow

from .operations import Order, Target

MAX_ATTEMPTS = 5
NOT_SENT = "time to live ran out before it was sent"
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 60.0

SessionFactory = Callable[[], Session]


def backoff_s(attempts: int) -> float:
    """2 s after the first try, doubling, at most a minute."""
    return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))


def epoch(at: datetime | None) -> float:
    return 0.0 if at is None else at.timestamp()


def instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass
class Row:
    """What the runner knows of one open command between its transactions."""

    order: Order
    target: Target
    state: CommandState
    attempts: int
    expires_at: float
    next_at: float

    @property
    def id(self) -> int:
        return self.order.id


def open_rows(session_factory: SessionFactory, bus_id: int) -> list[Row]:
    """Every unfinished command of the bus, per meter in the order they were issued."""
    with session_factory() as db:
        found = db.execute(
            select(Command, Meter)
            .join(Meter, Meter.id == Command.meter_id)
            .where(Meter.bus_id == bus_id, Command.state.in_(OPEN_STATES))
            .order_by(Command.meter_id, Command.id)
        ).all()
        return [_row(c, m) for c, m in found]


def _row(c: Command, m: Meter) -> Row:
    order = Order(id=c.id, kind=c.kind, payload=dict(c.payload or {}), sequence=c.sequence or 0,
                  purchase_count=c.purchase_count, valid_until=int(epoch(c.expires_at)))
    target = Target(meter_id=m.id, address=m.address, serial=m.serial_number, key_version=m.key_version,
                    local=str(getattr(m.control_mode, "value", m.control_mode)) == "local")
    return Row(order, target, CommandState(c.state), c.attempts, epoch(c.expires_at),
               epoch(c.next_attempt_at or c.created_at))


def still_open(session_factory: SessionFactory, bus_id: int, ids: list[int]) -> set[int]:
    """Which of these ids are unfinished commands of this bus (the rest are finished or foreign)."""
    if not ids:
        return set()
    with session_factory() as db:
        return set(db.scalars(
            select(Command.id).join(Meter, Meter.id == Command.meter_id)
            .where(Command.id.in_(ids), Meter.bus_id == bus_id, Command.state.in_(OPEN_STATES))))


def _locked(db: Session, row: Row) -> Command | None:
    """The row FOR UPDATE, if nobody else moved it since we read it."""
    set_actor(db, WORKER)
    command = db.scalars(select(Command).where(Command.id == row.id).with_for_update()
                         .execution_options(populate_existing=True)).one_or_none()
    if command is None or command.state != row.state or command.attempts != row.attempts:
        return None
    return command


def start_try(session_factory: SessionFactory, row: Row, now: float, *, sending: bool) -> bool:
    """Count one try and set its retry time; `sending` also moves the row to `sent`.

    Committed before any byte goes to the meter: after a crash the row shows a try that may
    have reached it, and the next worker reads the meter back before doing anything else.
    """
    with session_factory() as db:
        command = _locked(db, row)
        if command is None:
            return False
        command.attempts += 1
        command.next_attempt_at = instant(now + backoff_s(command.attempts))
        if sending and command.state == CommandState.QUEUED:
            command.state = CommandState.SENT
            command.sent_at = instant(now)
        db.commit()
        row.attempts, row.state = command.attempts, command.state
        row.next_at = epoch(command.next_attempt_at)
        return True


def note(session_factory: SessionFactory, row: Row, error: str) -> None:
    """Keep the row as it is and say why this try got no answer."""
    with session_factory() as db:
        command = _locked(db, row)
        if command is not None:
            command.error = error[:255]
            db.commit()


def acknowledge(session_factory: SessionFactory, row: Row, result_code: int, now: float) -> None:
    with session_factory() as db:
        command = _locked(db, row)
        if command is None:
            return
        command.state = CommandState.ACKNOWLEDGED
        command.result_code = int(result_code)
        command.acknowledged_at = instant(now)
        command.error = ""
        db.commit()
        row.state = CommandState.ACKNOWLEDGED


def record_read_back(session_factory: SessionFactory, row: Row, block: HotBlock, now: float) -> None:
    """What the read-back saw of the relay, onto the meter's state, before the row is finished:
    whoever sees the command verified sees the relay as it was read."""
    with session_factory() as db:
        record_relay(db, row.target.meter_id, relay_open=block.relay_open, status_bits=int(block.status),
                     at=instant(now))
        db.commit()


def finish(session_factory: SessionFactory, row: Row, state: CommandState, now: float, *,
           result_code: int | None = None, error: str = "") -> None:
    assert state in FINAL_STATES
    with session_factory() as db:
        command = _locked(db, row)
        if command is None:
            return
        command.state = state
        if result_code is not None:
            command.result_code = int(result_code)
        if state == CommandState.VERIFIED and command.acknowledged_at is None:
            command.acknowledged_at = instant(now)
        command.error = error[:255]
        command.finished_at = instant(now)
        command.next_attempt_at = None
        db.commit()
        row.state = state


def expire_queued(db: Session, *, now: datetime | None = None) -> list[int]:
    """Queued commands past their time to live become `expired` (they never reached a meter)."""
    now = now or utcnow()
    set_actor(db, WORKER)
    stale = list(db.scalars(select(Command).where(Command.state == CommandState.QUEUED,
                                                  Command.expires_at <= now).with_for_update()))
    for command in stale:
        command.state = CommandState.EXPIRED
        command.finished_at = now
        command.next_attempt_at = None
        command.error = NOT_SENT
    db.flush()
    return [c.id for c in stale]


def unattended(db: Session, *, older_than: timedelta, now: datetime | None = None) -> list[tuple[int, int]]:
    """(command id, bus id) of open commands due for a while: nobody has picked them up."""
    now = now or utcnow()
    return [(cid, bus) for cid, bus in db.execute(
        select(Command.id, Meter.bus_id).join(Meter, Meter.id == Command.meter_id)
        .where(Command.state.in_(OPEN_STATES), Command.next_attempt_at <= now - older_than))]
