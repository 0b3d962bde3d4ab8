"""SMS job: send the due outbox rows through the configured driver (queue default, every minute)."""

from __future__ import annotations

import logging
import os

from metering_worker import config
from metering_worker.sms import SendError, driver_from_env
from metering_worker.sms.dispatch import Settings, send_due

log = logging.getLogger(__name__)


def send_pending() -> dict[str, int]:
    """Send what is due; returns counts for the job result. Safe to run on many workers at once."""
    settings = Settings(max_attempts=int(os.environ.get("WATTKEEPER_SMS_MAX_ATTEMPTS", "5")),
                        batch=int(os.environ.get("WATTKEEPER_SMS_BATCH", "20")))
    try:
        outcome = send_due(config.session_factory(), driver_from_env(), settings)
    except SendError as exc:
        # The modem is missing or busy (another dispatcher holds it): nothing was claimed,
        # the next run tries again.
        log.warning("SMS dispatcher could not start: %s", exc)
        return {"sent": 0, "retried": 0, "failed": 0, "unavailable": 1}
    summary = outcome.summary()
    if any(summary.values()):
        log.info("SMS dispatch: %s", summary)
    return summary
