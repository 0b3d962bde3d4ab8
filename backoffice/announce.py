"""Tell the buses about commands a request queued as a side effect, once the request commits.

A sale can queue a close (a relay tripped for arrears) or a recharge push (local mode); the
rows are in the request's transaction, so their buses are told only after the commit. If
Redis is down the rows stay queued and the worker's cron re-announces them.
"""

from __future__ import annotations

import logging

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from metering_worker import transport
from shared_models.services.settlement import ANNOUNCE

log = logging.getLogger(__name__)


def announce_after_commit(db: Session) -> None:
    if not db.info.get(ANNOUNCE):
        return
    redis = current_app.extensions["wk_redis"]

    def send(session: Session) -> None:
        pending = session.info.pop(ANNOUNCE, [])
        if not pending:
            return
        try:
            transport.announce(redis, [c for c, _ in pending], sorted({b for _, b in pending}))
        except RedisError:
            log.warning("could not announce commands %s; the cron will", [c for c, _ in pending])

    event.listen(db, "after_commit", send, once=True)
