"""Meters a batch cannot bill: which they are, and moving their cursors in one statement."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Update, func, select, update
from sqlalchemy.orm import Session

from shared_models.metering.meter_states import state_of
from shared_models.models import Alarm, Meter, MeterState
from shared_models.models.metering import AlarmKind
from shared_models.settlement import enforcement

from . import statements
from .batch import Run


def pending(db: Session, meter_ids: list[int]) -> tuple[dict[int, bool], list[int]]:
    """Meters with readings after their cursor, each with whether it may be billed (linked to
    an open account at or after the time of the reading the cursor is on: those are walked
    reading by reading, `account_at` then decides; the rest cannot be billed), and the meters
    a swap installed. One query (`statements.pending`)."""
    waiting: dict[int, bool] = {}
    swapped: list[int] = []
    for meter_id, new, billable, swap in db.execute(statements.pending(statements.dialect_of(db)),
                                                    {"ids": meter_ids}):
        if new:
            waiting[meter_id] = billable
        if swap:
            swapped.append(meter_id)
    return waiting, swapped


@cache
def _skip(dialect: str) -> Update:
    """Move the cursors of the meters `ids` to their newest readings."""
    cols = MeterState.__table__.c
    return (update(MeterState.__table__)
            .where(statements.among(dialect, cols.meter_id),
                   cols.last_reading_id > func.coalesce(cols.settled_reading_id, 0))
            .values(settled_reading_id=cols.last_reading_id)
            .returning(cols.meter_id, cols.status_bits))


def skip_unbilled(run: Run, meter_ids: list[int]) -> None:
    """Meters on no open account: the cursor moves to the newest reading in one statement, and
    of the follow-up only the overload alarm applies (what `follow_up` does without an account)."""
    if not meter_ids:
        return
    db = run.db
    moved = db.execute(_skip(statements.dialect_of(db)), {"ids": meter_ids}).all()
    skipped = set(meter_ids)
    for state in db.identity_map.values():  # the statement went round the session
        if isinstance(state, MeterState) and state.meter_id in skipped:
            db.expire(state, ["settled_reading_id"])
    overloaded = {meter_id for meter_id, bits in moved if bits & enforcement.OVERLOAD_BIT}
    alarmed = set(db.scalars(select(Alarm.meter_id).where(Alarm.kind == AlarmKind.OVERLOAD,
                                                           Alarm.meter_id.in_([m for m, _ in moved]),
                                                           Alarm.cleared_at.is_(None))))
    for meter_id in sorted(overloaded ^ alarmed):  # to raise or to clear: rare
        meter = db.get(Meter, meter_id)
        enforcement.update_alarms(db, run.site(meter.site_id), meter, None,
                                  state_of(db, meter_id, lock=True), None, run.now)
