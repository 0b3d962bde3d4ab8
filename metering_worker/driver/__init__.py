"""Async Modbus driver for WK-PM1 meters behind TCP gateways or a local serial port."""

from .connection import DEFAULT_TIMEOUT_S, BusConnection, Endpoint
from .errors import (
    CommandNotConfirmed,
    DeviceError,
    DeviceExceptionResponse,
    DeviceGarbled,
    DeviceTimeout,
    DeviceUnreachable,
    GatewayTargetFailed,
)
from .meter_driver import MailboxResult, MeterDriver

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "BusConnection",
    "CommandNotConfirmed",
    "DeviceError",
    "DeviceExceptionResponse",
    "DeviceGarbled",
    "DeviceTimeout",
    "DeviceUnreachable",
    "Endpoint",
    "GatewayTargetFailed",
    "MailboxResult",
    "MeterDriver",
]
