"""How committed work reaches the worker: the RQ queues, a due set per bus, settle requests.

The command row is the truth; Redis only says "bus N has something due at time T". Each bus
has a sorted set `wk:bus:<bus_id>:commands` of command ids scored by when they are due (Unix
seconds). Whoever holds the bus lock (a sweep, or the `run_bus_commands` job) drains it with
`metering_worker.outbox.runner.run_due_commands`, which rescores or removes every id from
the rows themselves. A lost signal costs at most one cron re-announce interval, never a command.

This module is the back office's one way into the worker: it imports no other worker module,
and jobs are enqueued by name.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

PAYMENTS, COMMANDS, POLLS, DEFAULT = "payments", "commands", "polls", "default"
RUN_COMMANDS_JOB = "metering_worker.jobs.commands.run_bus_commands"
JOB_TIMEOUT_S = 600
SETTLE_JOB = "metering_worker.jobs.settlement.settle_bus"
CHARGE_CODE_JOB = "metering_worker.jobs.payments.charge_code"
# Charging a payment code polls for up to 30 s and may then cancel: well inside this.
CHARGE_CODE_TIMEOUT_S = 120


def queue(name: str, connection: Redis) -> Queue:
    return Queue(name, connection=connection, serializer=JSONSerializer)


def due_key(bus_id: int) -> str:
    return f"wk:bus:{bus_id}:commands"


def marker_key(bus_id: int) -> str:
    """Set while a `run_bus_commands` job for the bus waits in the queue (enqueue dedupe)."""
    return f"wk:bus:{bus_id}:commands:job"


def announce(redis: Redis, command_ids: list[int], bus_ids: list[int], *,
             due_at: float | None = None) -> None:
    """Mark each bus as having due commands and enqueue its runner. Call after the rows commit.

    Every id is added to every listed bus: a runner drops ids that are not its bus's, so a
    caller announcing several buses at once need not pair them up.
    """
    score = time.time() if due_at is None else due_at
    buses = sorted({int(b) for b in bus_ids})
    if not buses:
        return
    with redis.pipeline() as pipe:
        for bus_id in buses:
            if command_ids:
                # LT: an earlier due time wins; a re-announce never postpones a command.
                pipe.zadd(due_key(bus_id), {str(int(c)): score for c in command_ids}, lt=True)
            else:
                pipe.exists(due_key(bus_id))
        pipe.execute()
    for bus_id in buses:
        enqueue_runner(redis, bus_id)


def enqueue_runner(redis: Redis, bus_id: int) -> bool:
    """Enqueue `run_bus_commands(bus_id)` unless one is already waiting; True if enqueued."""
    return _enqueue_once(redis, marker_key(bus_id), COMMANDS, RUN_COMMANDS_JOB, bus_id,
                         f"commands-bus-{bus_id}", f"commands of bus {bus_id}")


def _enqueue_once(redis: Redis, marker: str, queue_name: str, func: str, bus_id: int, job_prefix: str,
                  description: str) -> bool:
    """Enqueue a bus's job unless the marker says one already waits (the job clears it)."""
    if not redis.set(marker, "1", nx=True, ex=JOB_TIMEOUT_S):
        return False
    try:
        queue(queue_name, redis).enqueue(func, bus_id, job_id=f"{job_prefix}-{time.time_ns()}",
                                         job_timeout=JOB_TIMEOUT_S, result_ttl=60, failure_ttl=86_400,
                                         description=description)
    except Exception:
        redis.delete(marker)  # let the next announce or sweep try again
        raise
    return True


def has_due_commands(redis: Redis, bus_id: int, *, now: float | None = None) -> bool:
    """One Redis round trip: is any command of this bus due now?"""
    now = time.time() if now is None else now
    return bool(redis.zrangebyscore(due_key(bus_id), "-inf", now, start=0, num=1))


def next_due_at(redis: Redis, bus_id: int) -> float | None:
    first = redis.zrange(due_key(bus_id), 0, 0, withscores=True)
    return float(first[0][1]) if first else None


def reschedule(redis: Redis, bus_id: int, *, due: dict[int, float], done: Iterable[int]) -> None:
    """After a pass: open commands get their next due time, finished or foreign ids go."""
    with redis.pipeline() as pipe:
        if due:
            pipe.zadd(due_key(bus_id), {str(c): at for c, at in due.items()})
        gone = [str(c) for c in done]
        if gone:
            pipe.zrem(due_key(bus_id), *gone)
        pipe.execute()


def announced_ids(redis: Redis, bus_id: int) -> list[int]:
    return [int(m) for m in redis.zrange(due_key(bus_id), 0, -1)]


def settle_marker_key(bus_id: int) -> str:
    """Set while a settle job for the bus waits in the queue (enqueue dedupe)."""
    return f"wk:bus:{bus_id}:settle:job"


def request_settlement(redis: Redis, bus_id: int) -> bool:
    """Enqueue `settle_bus(bus_id)` unless one is already waiting; True if enqueued.
    Call after the readings are committed."""
    return _enqueue_once(redis, settle_marker_key(bus_id), DEFAULT, SETTLE_JOB, bus_id,
                         f"settle-bus-{bus_id}", f"settle bus {bus_id}")


def charge_payment_code(redis: Redis, order_id: int, auth_code: str) -> None:
    """Enqueue the charge of a scanned payment code (付款码) for a committed order.

    The code travels in the job's arguments only: it is single use, the job is deleted when it
    ends, and a failed one is kept ten minutes (long enough to see why, not to reuse it).
    """
    queue(PAYMENTS, redis).enqueue(CHARGE_CODE_JOB, order_id, auth_code,
                                   job_id=f"pay-code-{order_id}", job_timeout=CHARGE_CODE_TIMEOUT_S,
                                   result_ttl=0, failure_ttl=600,
                                   description=f"charge the payment code of order {order_id}")
