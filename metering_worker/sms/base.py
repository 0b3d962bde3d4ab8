"""What every SMS driver takes and raises, so the dispatcher treats them all alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message handed to a driver: the outbox id (for the provider's idempotency), the
    11-digit mainland mobile number and the signed text."""

    id: int
    phone: str
    body: str


class SendError(Exception):
    """The driver could not send; `permanent` says whether trying again can help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsDriver(Protocol):
    """A driver is a context manager (open the modem or connection once per dispatcher run)
    whose send() returns the provider's reference or raises SendError."""

    name: str

    def __enter__(self) -> SmsDriver: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def send(self, message: Outgoing) -> str: ...
