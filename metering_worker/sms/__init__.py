"""SMS drivers (GSM modem, HTTP provider, outbox-only) and the choice among them by environment.

WATTKEEPER_SMS_DRIVER=outbox|gsm|http (default outbox), then per driver:
  gsm:  WATTKEEPER_SMS_GSM_PORT (/dev/ttyUSB0), WATTKEEPER_SMS_GSM_BAUD (115200),
        WATTKEEPER_SMS_GSM_TIMEOUT_S (60, the wait for +CMGS), WATTKEEPER_SMS_GSM_MAX_PARTS (4)
  http: WATTKEEPER_SMS_HTTP_URL, WATTKEEPER_SMS_HTTP_KEY_ID, WATTKEEPER_SMS_HTTP_SECRET,
        WATTKEEPER_SMS_HTTP_TIMEOUT_S (10)
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from metering_worker.sms.base import Outgoing, SendError, SmsDriver

DRIVERS = ("outbox", "gsm", "http")

__all__ = ["DRIVERS", "Outgoing", "SendError", "SmsDriver", "driver_from_env"]


def driver_from_env(env: Mapping[str, str] | None = None) -> SmsDriver:
    """The configured driver (not yet opened); an unknown name is a configuration error."""
    env = os.environ if env is None else env
    name = env.get("WATTKEEPER_SMS_DRIVER", "outbox").strip().lower()
    if name == "outbox":
        from metering_worker.sms.outbox import OutboxDriver

        return OutboxDriver()
    if name == "gsm":
        from metering_worker.sms.gsm import GsmModemDriver

        return GsmModemDriver(env.get("WATTKEEPER_SMS_GSM_PORT", "/dev/ttyUSB0"),
                              baudrate=int(env.get("WATTKEEPER_SMS_GSM_BAUD", "115200")),
                              send_timeout=float(env.get("WATTKEEPER_SMS_GSM_TIMEOUT_S", "60")),
                              max_parts=int(env.get("WATTKEEPER_SMS_GSM_MAX_PARTS", "4")))
    if name == "http":
        from metering_worker.sms.http import HttpSmsDriver

        return HttpSmsDriver(env.get("WATTKEEPER_SMS_HTTP_URL", ""),
                             key_id=env.get("WATTKEEPER_SMS_HTTP_KEY_ID", ""),
                             secret=env.get("WATTKEEPER_SMS_HTTP_SECRET", ""),
                             timeout=float(env.get("WATTKEEPER_SMS_HTTP_TIMEOUT_S", "10")))
    raise ValueError(f"WATTKEEPER_SMS_DRIVER must be one of {', '.join(DRIVERS)}, not {name!r}")
