"""The system log's head is checkpointed outside the log, so deleting the newest rows shows."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from shared_models import audit
from shared_models.append_only import protect, unprotect
from shared_models.db import make_engine, upgrade
from shared_models.models.audit import AuditEntry
from shared_models.types import utcnow


def _log(db, count: int) -> list[int]:
    for n in range(count):
        audit.record(db, "test", "things", n, after={"n": n})
    db.commit()
    return list(db.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())


def _delete_behind_the_guard(connection, *ids: int) -> None:
    """What a database superuser can do: drop the append-only guard, delete, put it back."""
    unprotect(connection, "audit_log")
    for entry_id in ids:
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": entry_id})
    protect(connection, "audit_log")


def test_an_untouched_log_is_intact(db):
    ids = _log(db, 3)
    checked, broken = audit.verify(db)
    assert broken is None and checked == len(ids)


def test_deleting_the_newest_row_is_reported(db, connection):
    ids = _log(db, 3)
    _delete_behind_the_guard(connection, ids[-1])
    _checked, broken = audit.verify(db)
    assert broken is not None and broken.entry_id == ids[-1]
    assert broken.reason == f"the chain ends at {ids[-2]} but the checkpoint says {ids[-1]}"


def test_deleting_the_newest_rows_then_appending_still_shows(db, connection):
    # Appends chain onto the checkpoint, not onto the newest surviving row: otherwise the next
    # append would move the checkpoint onto the shortened chain and hide the deletion.
    ids = _log(db, 4)
    _delete_behind_the_guard(connection, ids[-1], ids[-2])
    newest = _log(db, 1)[-1]
    _checked, broken = audit.verify(db)
    assert broken is not None and broken.entry_id == newest
    assert broken.reason == "link to the previous row does not match"


def test_deleting_every_row_is_reported(db, connection):
    ids = _log(db, 2)
    everything = list(connection.execute(text("SELECT id FROM audit_log")).scalars())
    _delete_behind_the_guard(connection, *everything)
    checked, broken = audit.verify(db)
    assert checked == 0 and broken is not None and broken.entry_id == ids[-1]
    assert broken.reason == f"the chain ends at 0 but the checkpoint says {ids[-1]}"


def test_the_checkpoint_cannot_be_deleted(db, connection):
    from sqlalchemy.exc import DatabaseError

    ids = _log(db, 2)
    assert tuple(connection.execute(text("SELECT entry_id FROM audit_head")).scalars()) == (ids[-1],)
    with pytest.raises(DatabaseError), connection.begin_nested():
        connection.execute(text("DELETE FROM audit_head"))


@pytest.fixture
def fresh_url(new_database):
    """An empty database of the test's own (the migration is what is tested)."""
    return new_database(revision=None)


def test_the_migration_checkpoints_an_existing_log(fresh_url):
    upgrade(fresh_url, "0007_staff_sessions")
    engine = make_engine(fresh_url)
    prev = audit.GENESIS
    with engine.begin() as conn:  # a log written before the checkpoint existed
        for n in range(3):
            row = {"at": utcnow(), "actor_id": None, "actor_name": "system", "ip": "",
                   "action": "test", "entity": "things", "entity_id": str(n), "before": None,
                   "after": {"n": n}}
            entry_hash = audit.entry_hash(prev, row)
            conn.execute(insert(AuditEntry), {**row, "prev_hash": prev, "hash": entry_hash})
            prev = entry_hash
    engine.dispose()
    upgrade(fresh_url)
    engine = make_engine(fresh_url)
    try:
        with engine.connect() as conn:
            head = conn.execute(text("SELECT entry_id, hash FROM audit_head")).one()
            newest = conn.execute(text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")).one()
            assert tuple(head) == tuple(newest) and head.hash == prev
    finally:
        engine.dispose()
