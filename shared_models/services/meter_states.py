"""Each meter's live-state row, created on first use and locked when it must not race."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.models import MeterState


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
