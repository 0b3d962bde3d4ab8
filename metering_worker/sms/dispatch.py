"""Send due outbox rows: claim, send outside any transaction, record; retries with backoff.

Two dispatchers never send the same row: a claim is a conditional UPDATE (state queued ->
sending, with this run's token) that only one transaction can win, on PostgreSQL and SQLite
alike; on PostgreSQL the candidate rows are also picked with SKIP LOCKED so dispatchers do not
queue behind each other. The outcome is written only while the row still carries our token.

Delivery is at least once: a dispatcher killed between the driver's send and the record leaves
the row in `sending`; after LEASE it is queued again and may reach the tenant twice. A lost
alarm is worse than a duplicate one.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from metering_worker.sms.base import Outgoing, SendError, SmsDriver
from shared_models.models import SmsMessage
from shared_models.models.notifications import SmsState
from shared_models.notifications.sms import retry_time
from shared_models.types import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # longer than a run's time budget plus one send timeout
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)


@dataclass
class Settings:
    max_attempts: int = 5
    batch: int = 20
    # Under the cron job's 300 s timeout even when the last send is a slow modem exchange.
    time_budget_s: float = 180.0


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {"sent": len(self.sent), "retried": len(self.retried), "failed": len(self.failed)}


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


def claim(factory: sessionmaker[Session], token: str, *, limit: int, now: datetime) -> list[int]:
    """Take up to `limit` due rows for this run (committed before anything is sent)."""
    with factory() as db, db.begin():
        # Rows left in `sending` by a dispatcher that died go back to the queue.
        db.execute(update(SmsMessage)
                   .where(SmsMessage.state == SmsState.SENDING, SmsMessage.claimed_at < now - LEASE)
                   .values(state=SmsState.QUEUED, claim_token="", next_attempt_at=now,
                           last_error="the dispatcher sending it stopped; sent again"))
        due = (select(SmsMessage.id)
               .where(SmsMessage.state == SmsState.QUEUED, SmsMessage.next_attempt_at <= now)
               .order_by(SmsMessage.next_attempt_at, SmsMessage.id).limit(limit))
        if db.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(db.scalars(due))
        if not ids:
            return []
        won = db.scalars(update(SmsMessage)
                         .where(SmsMessage.id.in_(ids), SmsMessage.state == SmsState.QUEUED)
                         .values(state=SmsState.SENDING, claim_token=token, claimed_at=now)
                         .returning(SmsMessage.id))
        return sorted(won)


def _record(factory: sessionmaker[Session], message_id: int, token: str, values: dict) -> bool:
    with factory() as db, db.begin():
        result = db.execute(update(SmsMessage)
                            .where(SmsMessage.id == message_id, SmsMessage.claim_token == token,
                                   SmsMessage.state == SmsState.SENDING)
                            .values(claim_token="", **values))
        return result.rowcount == 1


def _send_one(factory: sessionmaker[Session], driver: SmsDriver, message_id: int, token: str,
              settings: Settings, outcome: Outcome, now: datetime | None) -> None:
    with factory() as db:
        message = db.get(SmsMessage, message_id)
        outgoing = Outgoing(message.id, message.phone, message.body)
        attempts = message.attempts + 1
    try:
        ref = driver.send(outgoing)
    except SendError as exc:
        error = str(exc)[:255]
        now = now or utcnow()
        if exc.permanent or attempts >= settings.max_attempts:
            _record(factory, message_id, token, {"state": SmsState.FAILED, "attempts": attempts,
                                                 "provider": driver.name, "last_error": error})
            outcome.failed.append(message_id)
            log.warning("SMS %s failed for good after %s attempts: %s", message_id, attempts, error)
            return
        with factory() as db:
            when = retry_time(db, db.get(SmsMessage, message_id), now + backoff(attempts))
        _record(factory, message_id, token, {"state": SmsState.QUEUED, "attempts": attempts,
                                             "next_attempt_at": when, "provider": driver.name,
                                             "last_error": error})
        outcome.retried.append(message_id)
        log.info("SMS %s attempt %s failed, retry at %s: %s", message_id, attempts, when, error)
        return
    _record(factory, message_id, token, {"state": SmsState.SENT, "attempts": attempts,
                                         "provider": driver.name, "provider_ref": ref[:128],
                                         "sent_at": now or utcnow(), "last_error": ""})
    outcome.sent.append(message_id)


def send_due(factory: sessionmaker[Session], driver: SmsDriver, settings: Settings | None = None,
             now: datetime | None = None) -> Outcome:
    """Claim and send due messages in batches until none is due or the time budget is spent."""
    settings = settings or Settings()
    token, outcome = secrets.token_hex(8), Outcome()
    started = time.monotonic()
    with driver:
        while time.monotonic() - started < settings.time_budget_s:
            ids = claim(factory, token, limit=settings.batch, now=now or utcnow())
            if not ids:
                break
            for index, message_id in enumerate(ids):
                if time.monotonic() - started >= settings.time_budget_s:
                    _release(factory, ids[index:], token)
                    return outcome
                _send_one(factory, driver, message_id, token, settings, outcome, now)
    return outcome


def _release(factory: sessionmaker[Session], ids: list[int], token: str) -> None:
    """Hand back claimed rows this run has no time left for."""
    with factory() as db, db.begin():
        db.execute(update(SmsMessage)
                   .where(SmsMessage.id.in_(ids), SmsMessage.claim_token == token,
                          SmsMessage.state == SmsState.SENDING)
                   .values(state=SmsState.QUEUED, claim_token=""))
