"""The demo driver: nothing leaves the machine; the outbox row itself is the delivered text."""

from __future__ import annotations

from metering_worker.sms.base import Outgoing


class OutboxDriver:
    """Marks messages sent with provider 'outbox', so the demo's SMS list shows what a
    tenant would have received."""

    name = "outbox"

    def __enter__(self) -> OutboxDriver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def send(self, message: Outgoing) -> str:
        return f"outbox-{message.id}"
