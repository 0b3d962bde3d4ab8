"""Tell the buses about commands a request queued, once the request commits.

A sale can queue a close (a relay tripped for arrears) or a recharge push (local mode), and a
person can issue commands; the rows are in the request's transaction, so their buses are told
only after the commit. The services return the ids of the commands they queued; the route
hands them here. If Redis is down the rows stay queued and the worker's cron re-announces them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from metering_worker import transport
from shared_models.models import Command, Meter

log = logging.getLogger(__name__)

ANNOUNCE = "wk_commands_to_announce"  # Session.info: (command id, bus id) pairs to announce


def announce_after_commit(db: Session, command_ids: Collection[int] = ()) -> None:
    """Announce these commands (with any already waiting in the session) after the commit."""
    if command_ids:
        pairs = db.execute(select(Command.id, Meter.bus_id).join(Meter, Command.meter_id == Meter.id)
                           .where(Command.id.in_(list(command_ids)))).all()
        db.info.setdefault(ANNOUNCE, []).extend((command_id, bus_id) for command_id, bus_id in pairs)
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
