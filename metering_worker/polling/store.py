"""Writing one bus's poll results: readings in one bulk insert, meter states, lost-comm alarms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from metering_worker.protocol import HotBlock
from shared_models.metering.alarms import clear_alarm, raise_alarm
from shared_models.metering.meter_states import relay_assignments
from shared_models.models import MeterState, Reading
from shared_models.models.metering import AlarmKind

from .outcome import OFFLINE_AFTER, next_attempt, quality_of
from .plan import MeterPlan

READINGS = Reading.__table__
STATES = MeterState.__table__


@dataclass
class PollResult:
    """One meter's poll: a hot block, or the error that stopped it."""

    meter: MeterPlan
    at: datetime  # worker clock (UTC) when the reply came, or when the attempt failed
    block: HotBlock | None = None
    error: str = ""


def _reading_row(result: PollResult, interval_s: int, skew_s: int) -> dict:
    block, meter = result.block, result.meter
    assert block is not None
    sharp, peak, flat, valley = block.energy_by_rate
    return {
        "meter_id": meter.meter_id, "read_at": result.at, "meter_clock": block.clock_utc,
        "total_energy": block.total_energy, "energy_sharp": sharp, "energy_peak": peak,
        "energy_flat": flat, "energy_valley": valley, "power_w": block.power_w,
        "balance": block.balance, "purchase_count": block.purchase_count,
        "status_bits": int(block.status),
        "quality": quality_of(total_energy=block.total_energy, meter_clock=block.clock_utc,
                              read_at=result.at, previous_energy=meter.previous_energy,
                              previous_read_at=meter.previous_read_at, poll_interval_s=interval_s,
                              clock_skew_s=skew_s),
    }


_READING_COLUMNS = ("meter_id", "read_at", "meter_clock", "total_energy", "energy_sharp", "energy_peak",
                    "energy_flat", "energy_valley", "power_w", "balance", "purchase_count", "status_bits",
                    "quality")
# PostgreSQL: the bus's readings as one array per column, unnested into rows. A multi-row VALUES
# insert has 13 parameters per reading, too many for psycopg to cache the parsed statement, and
# re-parsing it cost ~85 us per reading (profiled 2026-11-29); this statement has 13 in all. Each
# array is bound with its column's type, so money, energy and timestamps are checked as always.
_INSERT_UNNESTED = insert(READINGS).from_select(
    _READING_COLUMNS,
    select(*(func.unnest(bindparam(name, type_=ARRAY(READINGS.c[name].type))) for name in _READING_COLUMNS)),
).returning(READINGS.c.id, READINGS.c.meter_id)


def _insert_readings(db: Session, rows: list[dict]) -> dict[int, int]:
    """Insert the rows; returns reading id by meter id."""
    if db.get_bind().dialect.name == "postgresql":
        columns = {name: [row[name] for row in rows] for name in _READING_COLUMNS}
        returned = db.execute(_INSERT_UNNESTED, columns)
    else:
        returned = db.execute(insert(READINGS).returning(READINGS.c.id, READINGS.c.meter_id), rows)
    return {meter_id: reading_id for reading_id, meter_id in returned}


_GOOD_STATE = (
    update(STATES).where(STATES.c.meter_id == bindparam("m_id")).values(
        last_reading_id=bindparam("m_reading"), last_read_at=bindparam("m_at"),
        last_attempt_at=bindparam("m_at"), consecutive_failures=0, next_attempt_at=None,
        online=True, balance=bindparam("m_balance"), purchase_count=bindparam("m_count"),
        updated_at=bindparam("m_at"), **relay_assignments())
)
_FAILED_STATE = (
    update(STATES).where(STATES.c.meter_id == bindparam("m_id")).values(
        last_attempt_at=bindparam("m_at"), consecutive_failures=bindparam("m_failures"),
        next_attempt_at=bindparam("m_next"), online=bindparam("m_online"), updated_at=bindparam("m_at"))
)


def write_results(db: Session, site_id: int, interval_s: int, skew_s: int,
                  results: Sequence[PollResult]) -> list[int]:
    """Store one batch (flush only; the caller commits). Returns the ids of the meters read."""
    good = sorted((r for r in results if r.block is not None), key=lambda r: r.meter.meter_id)
    failed = sorted((r for r in results if r.block is None), key=lambda r: r.meter.meter_id)
    if good:
        reading_ids = _insert_readings(db, [_reading_row(r, interval_s, skew_s) for r in good])
        db.execute(_GOOD_STATE, [
            {"m_id": r.meter.meter_id, "m_reading": reading_ids[r.meter.meter_id], "m_at": r.at,
             "m_relay": r.block.relay_open, "m_status": int(r.block.status),
             "m_balance": r.block.balance, "m_count": r.block.purchase_count}
            for r in good if r.block is not None])
    if failed:
        db.execute(_FAILED_STATE, [
            {"m_id": r.meter.meter_id, "m_at": r.at, "m_failures": r.meter.failures + 1,
             "m_next": next_attempt(r.at, r.meter.failures + 1),
             "m_online": r.meter.failures + 1 < OFFLINE_AFTER and r.meter.online}
            for r in failed])
    for r in good:
        if not r.meter.online:  # back from lost communication
            clear_alarm(db, AlarmKind.LOST_COMM, meter_id=r.meter.meter_id, at=r.at)
    for r in failed:
        if r.meter.failures + 1 >= OFFLINE_AFTER and r.meter.online:
            raise_alarm(db, AlarmKind.LOST_COMM, site_id=site_id, meter_id=r.meter.meter_id, at=r.at,
                        detail=f"{r.meter.failures + 1} polls failed in a row: {r.error}")
    return [r.meter.meter_id for r in good]


def write_gateway_state(db: Session, site_id: int, gateway_id: int, *, lost: bool, at: datetime,
                        detail: str = "") -> bool:
    """Raise or clear gateway_lost; returns whether it was raised just now."""
    if lost:
        _alarm, raised = raise_alarm(db, AlarmKind.GATEWAY_LOST, site_id=site_id, gateway_id=gateway_id,
                                     at=at, detail=detail)
        return raised
    clear_alarm(db, AlarmKind.GATEWAY_LOST, gateway_id=gateway_id, at=at)
    return False
