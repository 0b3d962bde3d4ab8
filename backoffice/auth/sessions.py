"""Staff browser sessions kept on the server, so logging out or a password change ends them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from shared_models.models import Operator, StaffSession
from shared_models.types import utcnow

# A session's last_seen_at is written at most this often (reads stay reads).
TOUCH_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    """What is stored of a bearer token or a session token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, operator_id: int, lifetime: timedelta, client_ip: str,
          user_agent: str) -> str:
    """A new session; returns the token for the cookie (only its digest is stored)."""
    now = utcnow()
    # Rows of this operator that can never be used again are dropped here, a few at a time.
    db.execute(delete(StaffSession).where(StaffSession.operator_id == operator_id,
                                          StaffSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.add(StaffSession(id=token_digest(token), operator_id=operator_id, created_at=now, last_seen_at=now,
                        expires_at=now + lifetime, client_ip=client_ip[:64],
                        user_agent=user_agent[:255]))
    db.flush()
    return token


def resolve(db: Session, token: str, idle: timedelta) -> StaffSession | None:
    """The live session for this token (touched at most once a minute), or None."""
    row = db.scalars(select(StaffSession).where(StaffSession.id == token_digest(token))
                     .options(joinedload(StaffSession.operator).joinedload(Operator.sites))
                     ).unique().one_or_none()
    return still_live(row, idle)


def still_live(row, idle: timedelta):
    """`row` (a staff or tenant session) if it is neither revoked, expired nor idle past `idle`,
    its last-seen time touched at most once a minute (a write per request would serialise a
    busy user's requests on the row); else None."""
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now \
            or row.last_seen_at + idle <= now:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return row


def revoke(db: Session, token: str) -> None:
    db.execute(update(StaffSession).where(StaffSession.id == token_digest(token),
                                          StaffSession.revoked_at.is_(None))
               .values(revoked_at=utcnow()))


def revoke_all(db: Session, operator_id: int) -> int:
    """End every session of an operator (password change, reset, deactivation)."""
    result = db.execute(update(StaffSession).where(StaffSession.operator_id == operator_id,
                                                   StaffSession.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))
    return result.rowcount
