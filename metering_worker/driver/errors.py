"""Device errors: every way a Modbus exchange can fail, as one exception hierarchy."""

from __future__ import annotations

from shared_models.errors import WattkeeperError


class DeviceError(WattkeeperError):
    """A meter or its gateway did not give a usable answer."""


class DeviceUnreachable(DeviceError):
    """The gateway (TCP) or serial port could not be opened."""


class DeviceTimeout(DeviceError):
    """No reply within the timeout: the meter is dead, slow, or the bus is busy."""


class DeviceGarbled(DeviceError):
    """Bytes came back but no valid reply (bad CRC, wrong length, wrong register count)."""


class DeviceExceptionResponse(DeviceError):
    """The meter or gateway answered with a Modbus exception code."""

    def __init__(self, message: str, *, exception_code: int, **params: object) -> None:
        super().__init__(message, exception_code=exception_code, **params)
        self.exception_code = exception_code


class GatewayTargetFailed(DeviceExceptionResponse, DeviceTimeout):
    """The gateway answered 0x0A/0x0B: it could not reach the meter behind it."""


class CommandNotConfirmed(DeviceError):
    """The mailbox write went through but the result registers name another sequence."""
