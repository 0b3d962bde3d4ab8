"""Each meter's live-state row, created on first use and locked when it must not race."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.models import MeterState

STATES = MeterState.__table__


def state_of(db: Session, meter_id: int, *, lock: bool = False) -> MeterState:
    """The meter's state row (created if missing); `lock` holds it FOR UPDATE until commit."""
    stmt = select(MeterState).where(MeterState.meter_id == meter_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    state = db.scalar(stmt)
    if state is None:
        try:
            with db.begin_nested():
                db.add(MeterState(meter_id=meter_id))
        except IntegrityError:  # created concurrently
            pass
        state = db.scalars(stmt).one()
    return state


def relay_assignments() -> dict[str, Any]:
    """SET clauses storing a relay read (parameters m_relay, m_status, m_at) unless a newer one
    is stored.

    A sweep stores a bus's readings after its whole pass, and runs the bus's commands between
    two meters: a trip's read-back can be newer than the poll stored after it, and must win.
    """
    cols = STATES.c
    read_at = bindparam("m_at", type_=cols.relay_read_at.type)
    newer = cols.relay_read_at > read_at  # NULL (never read) is not newer
    return {
        "relay_open": case((newer, cols.relay_open),
                           else_=bindparam("m_relay", type_=cols.relay_open.type)),
        "status_bits": case((newer, cols.status_bits),
                            else_=bindparam("m_status", type_=cols.status_bits.type)),
        "relay_read_at": case((newer, cols.relay_read_at), else_=read_at),
    }


_RELAY_READ = update(STATES).where(STATES.c.meter_id == bindparam("m_id")).values(**relay_assignments())


def record_relay(db: Session, meter_id: int, *, relay_open: bool, status_bits: int, at: datetime) -> None:
    """Store a relay read outside a poll (a command's read-back); flush only.

    Only the relay, the status word and their read time: the newest reading, balance and
    purchase count stay the last poll's, since billing and the purchase-count checks take
    them together with that reading.
    """
    params = {"m_id": meter_id, "m_relay": relay_open, "m_status": status_bits, "m_at": at}
    if db.execute(_RELAY_READ, params).rowcount == 0:
        state_of(db, meter_id)  # never polled: the row is created now
        db.execute(_RELAY_READ, params)
