"""Freshness of a meter's data: no prepaid decision (trip, close, push) is taken on stale data."""

from __future__ import annotations

from datetime import datetime, timedelta

STALE_AFTER_INTERVALS = 3


def is_stale(last_read_at: datetime | None, poll_interval_s: int, now: datetime) -> bool:
    """True when the meter was never read, or its last reading is older than 3 poll intervals."""
    if last_read_at is None:
        return True
    return now - last_read_at > timedelta(seconds=poll_interval_s * STALE_AFTER_INTERVALS)
