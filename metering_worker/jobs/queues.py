"""The worker's RQ queues, all JSON-serialized: payments (a payer is waiting), commands, polls,
default."""

from __future__ import annotations

from rq import Queue
from rq.serializers import JSONSerializer

from metering_worker.transport import COMMANDS, DEFAULT, PAYMENTS, POLLS, queue

__all__ = ["COMMANDS", "DEFAULT", "PAYMENTS", "POLLS", "QUEUE_NAMES", "queue", "use_json_for_cron"]

# A worker listens in this order: a payer at a kiosk first, then commands, polls, the rest.
QUEUE_NAMES = (PAYMENTS, COMMANDS, POLLS, DEFAULT)


class _JSONQueue(Queue):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("serializer", JSONSerializer)
        super().__init__(*args, **kwargs)


def use_json_for_cron() -> None:
    """Make `rq cron` enqueue JSON jobs that our JSON workers can read.

    rq 2.12's CronJob.enqueue builds `Queue(name, connection=...)` with the default pickle
    serializer and `rq cron` has no serializer option, so its jobs would fail to deserialize in
    a worker started with --serializer JSONSerializer. Only the cron process calls this (from
    cron_config.py), so nothing else sees the substitution.
    """
    import rq.cron

    rq.cron.Queue = _JSONQueue  # type: ignore[misc]
