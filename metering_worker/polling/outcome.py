"""Pure rules of one poll's outcome: the reading's quality flag and the failing meter's backoff."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from shared_models.models.metering import ReadingQuality

BACKOFF_FIRST_S = 30
BACKOFF_MAX_S = 300
OFFLINE_AFTER = 3  # failed polls in a row


def quality_of(
    *,
    total_energy: Decimal,
    meter_clock: datetime,
    read_at: datetime,
    previous_energy: Decimal | None,
    previous_read_at: datetime | None,
    poll_interval_s: int,
    clock_skew_s: int,
) -> ReadingQuality:
    """Regressed beats clock drift beats catch-up: the worst thing wrong with a reading wins."""
    if previous_energy is not None and total_energy < previous_energy:
        return ReadingQuality.REGRESSED
    if abs((meter_clock - read_at).total_seconds()) > clock_skew_s:
        return ReadingQuality.CLOCK_DRIFT
    if previous_read_at is not None and (read_at - previous_read_at).total_seconds() > 2 * poll_interval_s:
        return ReadingQuality.CATCH_UP
    return ReadingQuality.GOOD


def backoff_seconds(failures: int) -> int:
    """30 s after the first failure, doubling up to 5 min: a dead meter costs one timeout per wait."""
    return min(BACKOFF_FIRST_S * 2 ** max(failures - 1, 0), BACKOFF_MAX_S)


def next_attempt(now: datetime, failures: int) -> datetime:
    return now + timedelta(seconds=backoff_seconds(failures))


def is_due(next_attempt_at: datetime | None, now: datetime) -> bool:
    return next_attempt_at is None or next_attempt_at <= now
