"""Auditing comes with the session factory, not with importing a module that registers it."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from shared_models import audit
from shared_models.db import make_engine, make_session_factory
from shared_models.models.audit import AuditEntry
from shared_models.registry import save_site

# A script that imports the factory and a service, nothing else of the audit machinery.
SCRIPT = """
import sys
from shared_models.db import make_engine, make_session_factory
from shared_models.registry import save_site

engine = make_engine(sys.argv[1])
with make_session_factory(engine)() as db:
    save_site(db, {"code": "BARE", "name": "From a bare script"})
    db.commit()
engine.dispose()
"""


def _site_entries(session, code: str) -> list[AuditEntry]:
    return [e for e in session.scalars(select(AuditEntry).where(AuditEntry.entity == "sites"))
            if (e.after or {}).get("code") == code]


def test_a_service_called_from_a_bare_session_factory_is_audited(new_database):
    url = new_database()
    subprocess.run([sys.executable, "-c", SCRIPT, url], check=True, timeout=120)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db:
            [entry] = _site_entries(db, "BARE")
            assert (entry.action, entry.after["name"]) == ("create", "From a bare script")
            assert audit.verify(db)[1] is None
    finally:
        engine.dispose()


def test_a_session_made_without_the_factory_writes_no_audit_rows(connection, db):
    # No listener hangs on SQLAlchemy's global Session class.
    plain = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")()
    save_site(plain, {"code": "PLAIN", "name": "Not audited"})
    plain.commit()
    save_site(db, {"code": "AUDITED", "name": "Audited"})
    db.commit()
    assert (len(_site_entries(db, "PLAIN")), len(_site_entries(db, "AUDITED"))) == (0, 1)
    plain.close()


def test_every_new_session_factory_is_audited_however_many_came_before():
    # SQLAlchemy's event registry keys targets by id(); a new factory's generated Session class
    # can reuse the id of a collected one, and `event.contains` then says "already listening".
    import gc

    from sqlalchemy.orm import sessionmaker

    missing = 0
    for n in range(400):
        factory = sessionmaker()
        audit.install(factory)
        if audit._collect_changes not in list(factory().dispatch.before_flush):
            missing += 1
        del factory
        if n % 20 == 0:
            gc.collect()
    assert missing == 0
