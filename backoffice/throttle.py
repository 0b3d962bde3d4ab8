"""Request budgets kept in Redis: at most N of something per key in a sliding minute window.

Used where a burst would cost money or flood a gateway (payment orders per account and per
client address). Counting is a fixed window per key (INCR with EXPIRE on first use), which
lets at most twice the budget through around a window's edge: enough for abuse protection,
and one round trip. When Redis cannot be reached the request is allowed: a throttle must not
take payments down with it.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from backoffice.auth.errors import TooManyAttempts
from backoffice.redis_conn import redis

log = logging.getLogger(__name__)


def spend(kind: str, key: object, *, budget: int, window_s: int, field: str | None = None) -> None:
    """Take one from `key`'s budget of `kind`; refuse (429) once it is spent for this window."""
    if budget <= 0:
        return
    window = int(time.time()) // window_s
    name = f"wk:throttle:{kind}:{key}:{window}"
    try:
        with redis().pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, window_s, nx=True)
            used = pipe.execute()[0]
    except RedisError:
        log.warning("throttle %s unavailable; allowing", kind)
        return
    if used > budget:
        wait = window_s - int(time.time()) % window_s
        raise TooManyAttempts("Too many requests; try again in {seconds} s.", field=field,
                              seconds=wait)


def space_out(kind: str, key: object, *, seconds: int, field: str | None = None) -> None:
    """Allow one of `kind` per `key` every `seconds` (a resend that must wait a full minute,
    not a window's edge); refuse (429) with the seconds left."""
    name = f"wk:throttle:{kind}:{key}"
    try:
        if redis().set(name, 1, nx=True, ex=seconds):
            return
        left = redis().ttl(name)
    except RedisError:
        log.warning("throttle %s unavailable; allowing", kind)
        return
    raise TooManyAttempts("Too many requests; try again in {seconds} s.", field=field,
                          seconds=max(int(left), 1))
