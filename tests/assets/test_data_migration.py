"""0017: every meter of every old status becomes an asset, and its status keeps the account side."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.db import alembic_config, make_engine, upgrade
from shared_models.models import AccountMeter, Bus, Gateway, Meter, Site, TenantAccount

REVISION = "0017_meter_assets"

# old status, whether it ever served an account -> (asset state, new status)
CASES = {
    "NEW": ("not_opened", False, "installed", "not_opened"),
    "OPEN": ("opened", True, "installed", "opened"),
    "CLOSED": ("closed", True, "installed", "closed"),
    "SWAPPED": ("replaced", True, "removed", "closed"),
    "SCRAP-SERVED": ("scrapped", True, "scrapped", "closed"),
    "SCRAP-NEVER": ("scrapped", False, "scrapped", "not_opened"),
}


def _before(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_revision(REVISION).down_revision


@pytest.fixture
def old_database(new_database):
    url = new_database(revision=None)
    upgrade(url, _before(url))
    engine = make_engine(url)
    with Session(engine) as db:
        site = Site(code="MIG", name="Migrated")
        gateway = Gateway(site=site, name="GW", host="127.0.0.1", port=502)
        bus = Bus(gateway=gateway, number=1, port=502)
        db.add_all([site, gateway, bus])
        db.flush()
        account = TenantAccount(site_id=site.id, number="MIG-000001", tenant_name="李四",
                                alarm1_threshold=20, alarm2_threshold=5)
        db.add(account)
        for address, (serial, (_, served, _, _)) in enumerate(CASES.items(), start=1):
            meter = Meter(site_id=site.id, serial_number=serial, bus=bus, address=address)
            db.add(meter)
            db.flush()
            if served:
                db.add(AccountMeter(account=account, meter_id=meter.id))
        db.commit()
        for serial, (status, *_rest) in CASES.items():
            db.execute(text("UPDATE meters SET status = :s WHERE serial_number = :n"),
                       {"s": status, "n": serial})
        db.commit()
    yield url, engine
    engine.dispose()


def test_meters_of_every_old_status_are_carried_over(old_database):
    url, engine = old_database
    upgrade(url, REVISION)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT m.serial_number, a.state, m.status, a.site_id = m.site_id, a.installed_at "
            "FROM meters m JOIN meter_assets a ON a.meter_id = m.id")).all()
        events = conn.execute(text("SELECT kind, to_state FROM asset_events")).all()
    found = {serial: (state, status) for serial, state, status, same_site, installed in rows
             if same_site and installed is not None}
    assert found == {serial: (case[2], case[3]) for serial, case in CASES.items()}
    assert sorted(events) == sorted(("registered", case[2]) for case in CASES.values())


def test_the_old_device_statuses_are_refused_after_the_migration_on_postgresql(old_database):
    url, engine = old_database
    upgrade(url, REVISION)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            with pytest.raises(IntegrityError):
                conn.execute(text("UPDATE meters SET status = 'replaced'"))
        else:  # SQLite keeps the old, wider CHECK (the migration's docstring says why)
            assert conn.execute(text("UPDATE meters SET status = 'replaced'")).rowcount == 6
