"""Meters a batch cannot bill: which they are, and moving their cursors in one statement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from shared_models.metering.meter_states import state_of
from shared_models.models import AccountMeter, Alarm, Meter, MeterState, Reading, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.models.metering import AlarmKind
from shared_models.settlement import enforcement

from .batch import Run
from .sets import among


def pending(db: Session, meter_ids: list[int]) -> dict[int, datetime | None]:
    """Meters with readings after their cursor (the poller moves `last_reading_id` with each
    reading it stores), with the time of the reading the cursor is on."""
    at_cursor = aliased(Reading)
    rows = db.execute(select(MeterState.meter_id, at_cursor.read_at)
                      .outerjoin(at_cursor, at_cursor.id == MeterState.settled_reading_id)
                      .where(among(db, MeterState.meter_id, meter_ids),
                             MeterState.last_reading_id > func.coalesce(MeterState.settled_reading_id, 0)))
    return {meter_id: read_at for meter_id, read_at in rows}


def maybe_billed(db: Session, waiting: dict[int, datetime | None]) -> set[int]:
    """The pending meters linked to an open account at or after their cursor: these are walked
    reading by reading (`account_at` then decides), the rest cannot be billed."""
    if not waiting:
        return set()
    rows = db.execute(select(AccountMeter.meter_id, AccountMeter.detached_at)
                      .join(TenantAccount, TenantAccount.id == AccountMeter.account_id)
                      .where(among(db, AccountMeter.meter_id, list(waiting)),
                             TenantAccount.status == AccountStatus.OPEN))
    return {meter_id for meter_id, detached_at in rows
            if detached_at is None or waiting[meter_id] is None or detached_at >= waiting[meter_id]}


def skip_unbilled(run: Run, meter_ids: list[int]) -> None:
    """Meters on no open account: the cursor moves to the newest reading in one statement, and
    of the follow-up only the overload alarm applies (what `follow_up` does without an account)."""
    if not meter_ids:
        return
    db = run.db
    cols = MeterState.__table__.c
    moved = db.execute(update(MeterState.__table__)
                       .where(among(db, cols.meter_id, meter_ids),
                              cols.last_reading_id > func.coalesce(cols.settled_reading_id, 0))
                       .values(settled_reading_id=cols.last_reading_id)
                       .returning(cols.meter_id, cols.status_bits)).all()
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
