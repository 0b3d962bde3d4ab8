"""Meters a batch cannot bill: which they are, and moving their cursors in one statement."""

from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from shared_models.metering.meter_states import state_of
from shared_models.models import AccountMeter, Alarm, Meter, MeterState, Reading, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.models.metering import AlarmKind
from shared_models.settlement import enforcement

from .batch import Run
from .sets import among


def pending(db: Session, meter_ids: list[int]) -> dict[int, bool]:
    """Meters with readings after their cursor (the poller moves `last_reading_id` with each
    reading it stores), each with whether it may be billed: linked to an open account at or
    after the time of the reading the cursor is on. Those are walked reading by reading
    (`account_at` then decides); the rest cannot be billed. One query."""
    at_cursor = aliased(Reading)
    on_open_account = (select(AccountMeter.id)
                       .join(TenantAccount, TenantAccount.id == AccountMeter.account_id)
                       .where(AccountMeter.meter_id == MeterState.meter_id,
                              TenantAccount.status == AccountStatus.OPEN,
                              or_(AccountMeter.detached_at.is_(None), at_cursor.read_at.is_(None),
                                  AccountMeter.detached_at >= at_cursor.read_at))
                       .exists())
    rows = db.execute(select(MeterState.meter_id, on_open_account)
                      .outerjoin(at_cursor, at_cursor.id == MeterState.settled_reading_id)
                      .where(among(db, MeterState.meter_id, meter_ids),
                             MeterState.last_reading_id > func.coalesce(MeterState.settled_reading_id, 0)))
    return {meter_id: billable for meter_id, billable in rows}


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
