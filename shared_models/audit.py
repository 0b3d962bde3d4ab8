"""The system log: every change to an audited table, chained by SHA-256 so tampering shows.

Changes are captured from the session itself (one listener for every model), so no write
path can forget to log. `install` puts the listeners on a session factory (or one session);
`shared_models.db.make_session_factory` does it for every factory the API, the worker and the
CLI use. A session says who is acting through `session.info["actor"]`.

A chain alone cannot show that rows were cut off its end: what is left is still a valid
chain. So the newest row's id and hash are also kept in `audit_head`, written in the same
transaction as each append. A file or Redis copy written after the commit would lag the log
after any crash between the two and cry wolf; a row in the same transaction is always exactly
right, and an intruder must now find and rewrite a second table (which only moves forward
unless its triggers are dropped too) to cut the log unseen.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from shared_models.models.audit import AuditEntry, AuditHead
from shared_models.types import utcnow

GENESIS = "0" * 64
CHAIN = "system"  # the one chain there is; audit_head keeps a row per chain
# Serialises appends on PostgreSQL so two transactions never chain onto the same row.
_PG_CHAIN_LOCK = 0x57415454  # "WATT"


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where; stored in `session.info["actor"]`."""

    id: int | None
    name: str
    ip: str = ""


SYSTEM = Actor(id=None, name="system")
# Every change the metering worker makes (polls, settlement, the command outbox, SMS).
WORKER = Actor(id=None, name="metering-worker")


def set_actor(session: Session, actor: Actor) -> None:
    session.info["actor"] = actor


def jsonable(value: Any) -> Any:
    """Values as they are written into the log: exact decimals as text, instants in ISO 8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of one row: its content in canonical JSON, chained to the previous hash."""
    canonical = json.dumps(jsonable(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _hashed_fields(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("at", "actor_id", "actor_name", "ip", "action", "entity", "entity_id", "before", "after")
    return {key: row[key] for key in keys}


def append(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Append rows (dicts of AuditEntry fields) to the chain inside the caller's transaction."""
    if not rows:
        return
    # Appends are serialised: on PostgreSQL by this lock, on SQLite by the write lock every
    # transaction takes at BEGIN IMMEDIATE (shared_models.db). The head is read and moved
    # under it.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    # Chain onto the checkpoint, not onto the newest row found: after rows were cut off the
    # end, the next append then shows the cut (its link) instead of hiding it by moving the
    # checkpoint onto the shortened chain.
    head = connection.execute(select(AuditHead.hash).where(AuditHead.chain == CHAIN)).scalar_one_or_none()
    prev = head or GENESIS
    entry_id = None
    for row in rows:
        row = {**row, "before": jsonable(row.get("before")), "after": jsonable(row.get("after"))}
        row["at"] = row.get("at") or utcnow()
        row["prev_hash"] = prev
        row["hash"] = prev = entry_hash(prev, _hashed_fields(row))
        entry_id = connection.execute(insert(AuditEntry), row).inserted_primary_key[0]
    moved = {"entry_id": entry_id, "hash": prev, "updated_at": utcnow()}
    if head is None:
        connection.execute(insert(AuditHead), {"chain": CHAIN, **moved})
    else:
        connection.execute(update(AuditHead).where(AuditHead.chain == CHAIN).values(**moved))


def record(
    session: Session,
    action: str,
    entity: str = "",
    entity_id: object = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    """Log an event that is not a row change (login, failed login, command issued...)."""
    actor = actor or session.info.get("actor") or SYSTEM
    append(session.connection(), [_row(actor, action, entity, entity_id, before, after)])


def _row(actor: Actor, action: str, entity: str, entity_id: object, before, after) -> dict:
    return {
        "actor_id": actor.id,
        "actor_name": actor.name,
        "ip": actor.ip,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
    }


@dataclass(frozen=True)
class ChainBreak:
    """The first row whose hash or link does not match."""

    entry_id: int
    reason: str


def verify(session: Session) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain and hold its end against the checkpoint; returns how many rows
    were checked and the first break, if any."""
    # The checkpoint is read first: rows appended while the chain is walked only lengthen it.
    head = session.execute(select(AuditHead.entry_id, AuditHead.hash)
                           .where(AuditHead.chain == CHAIN)).one_or_none()
    prev = GENESIS
    checked = last_id = 0
    head_seen = False
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for entry in rows.yield_per(1000):
        checked += 1
        if entry.prev_hash != prev:
            return checked, ChainBreak(entry.id, "link to the previous row does not match")
        fields = {c: getattr(entry, c) for c in ("at", "actor_id", "actor_name", "ip", "action",
                                                   "entity", "entity_id", "before", "after")}
        if entry_hash(prev, fields) != entry.hash:
            return checked, ChainBreak(entry.id, "row content does not match its hash")
        if head is not None and entry.id == head.entry_id:
            if entry.hash != head.hash:
                return checked, ChainBreak(entry.id, "row does not match the checkpoint's hash")
            head_seen = True
        prev, last_id = entry.hash, entry.id
    if head is None and checked:
        return checked, ChainBreak(last_id, "the chain has no checkpoint of its end")
    if head is not None and not head_seen:
        return checked, ChainBreak(
            head.entry_id, f"the chain ends at {last_id} but the checkpoint says {head.entry_id}")
    return checked, None


# --- automatic capture of row changes --------------------------------------------------


def _audited(obj: object) -> bool:
    return getattr(type(obj), "__audited__", True)


def _snapshot(obj: object) -> dict[str, Any]:
    state = inspect(obj)
    return {attr.key: jsonable(attr.loaded_value) for attr in state.attrs
            if attr.key in state.mapper.columns.keys() and not _secret(attr.key)}


def _secret(key: str) -> bool:
    # Never copy secrets into a log that auditors read.
    return key in {"password_hash", "totp_secret", "token_hash"}


def _before_values(obj: object) -> dict[str, Any]:
    state = inspect(obj)
    before = {}
    for attr in state.attrs:
        if attr.key not in state.mapper.columns.keys() or _secret(attr.key):
            continue
        history = attr.history
        if history.deleted:
            before[attr.key] = jsonable(history.deleted[0])
        elif history.unchanged:
            before[attr.key] = jsonable(history.unchanged[0])
    return before


_INSTALLED = "_wk_audit_installed"


def install(target: sessionmaker | Session) -> None:
    """Audit every change flushed by sessions of this factory (or by this one session).

    Installed once per target, marked on the target itself: `event.contains` cannot tell, as
    it may answer yes for a new factory whose generated Session class reuses the id of a
    collected one, and the new factory would then write no audit rows."""
    if getattr(target, _INSTALLED, False):
        return
    event.listen(target, "before_flush", _collect_changes)
    event.listen(target, "after_flush", _write_changes)
    setattr(target, _INSTALLED, True)


def _collect_changes(session: Session, _context, _instances) -> None:
    pending = session.info.setdefault("_audit_pending", [])
    for obj in session.new:
        if _audited(obj):
            pending.append(("create", obj, None))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            pending.append(("update", obj, _before_values(obj)))
    for obj in session.deleted:
        if _audited(obj):
            pending.append(("delete", obj, _before_values(obj)))


def _write_changes(session: Session, _context) -> None:
    pending = session.info.pop("_audit_pending", [])
    if not pending:
        return
    actor = session.info.get("actor") or SYSTEM
    rows = []
    for action, obj, before in pending:
        state = inspect(obj)
        # New rows have no identity key yet inside the flush; read the key columns instead.
        identity = state.mapper.primary_key_from_instance(obj)
        entity_id = ",".join(str(part) for part in identity)
        after = None if action == "delete" else _snapshot(obj)
        if action == "update" and before is not None and after is not None:
            changed = {k for k in after if before.get(k) != after[k]}
            if not changed:
                continue
            before = {k: before.get(k) for k in changed}
            after = {k: after[k] for k in changed}
        rows.append(_row(actor, action, type(obj).__tablename__, entity_id, before, after))
    append(session.connection(), rows)
