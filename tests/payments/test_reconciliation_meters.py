"""The local meters' side of reconciliation (本地费控): the day's recharge pushes against the
purchase counts the meters read back, kept as breaks of the site's "meters" run."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shared_models.db import make_session_factory
from shared_models.models import Reading
from shared_models.models.commands import CommandKind, CommandState
from shared_models.models.reconciliation import BreakState, ReconciliationBreak, ReconciliationRun
from shared_models.payments import reconciliation
from shared_models.remote_control import outbox
from shared_models.types import utcnow


@pytest.fixture
def sessions(connection):
    """Sessions sharing the test's rolled-back transaction, as the service opens them."""
    return make_session_factory(connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def meters(db, make_site, make_gateway, make_meter):
    site = make_site()
    bus = make_gateway(site=site).buses[0]
    return site, [make_meter(bus=bus, control_mode="local") for _ in range(3)]


def _push(db, meter, count, state=CommandState.VERIFIED):
    command = outbox.issue(db, meter_id=meter.id, kind=CommandKind.RECHARGE, purchase_count=count,
                           payload={"amount": "10.00"})
    command.state = state
    db.commit()


def _read(db, meter, count):
    db.add(Reading(meter_id=meter.id, read_at=utcnow(), total_energy=Decimal("1.00"),
                   energy_sharp=Decimal("0"), energy_peak=Decimal("0"), energy_flat=Decimal("1.00"),
                   energy_valley=Decimal("0"), balance=Decimal("10.00"), purchase_count=count))
    db.commit()


def _breaks(db, run_id):
    return sorted((b.meter_id, b.detail, b.state) for b in db.scalars(
        select(ReconciliationBreak).where(ReconciliationBreak.run_id == run_id)))


def test_pushes_the_meter_never_showed_are_breaks_once(db, sessions, meters):
    site, (taken, missed, failed) = meters
    today = datetime.now(ZoneInfo(site.timezone)).date()
    _push(db, taken, 1)
    _read(db, taken, 1)
    _push(db, missed, 1)
    _push(db, missed, 2, CommandState.SENT)
    _read(db, missed, 1)
    _push(db, failed, 1, CommandState.FAILED)  # its money went back to the wallet: nothing to count
    run_id = reconciliation.run_meters(sessions, site.id, today)
    db.expire_all()
    run = db.get(ReconciliationRun, run_id)
    assert (run.scope, run.channel, run.state.value) == ("meters", None, "done")
    assert (run.matched, run.breaks) == (1, 1)
    expected = (missed.id, f"meter {missed.serial_number}: pushes queued up to purchase 2; the meter reads 1",
                BreakState.OPEN)
    assert _breaks(db, run_id) == [expected]
    assert reconciliation.run_meters(sessions, site.id, today) == run_id  # again: nothing added
    db.expire_all()
    assert _breaks(db, run_id) == [expected]


def test_a_count_read_later_clears_the_open_break(db, sessions, meters):
    site, (meter, _other, _third) = meters
    today = datetime.now(ZoneInfo(site.timezone)).date()
    _push(db, meter, 1, CommandState.SENT)
    run_id = reconciliation.run_meters(sessions, site.id, today)
    db.expire_all()
    assert [d for _m, d, _s in _breaks(db, run_id)] == [
        f"meter {meter.serial_number}: pushes queued up to purchase 1; no reading since"]
    _read(db, meter, 1)
    reconciliation.run_meters(sessions, site.id, today)
    db.expire_all()
    assert [s for _m, _d, s in _breaks(db, run_id)] == [BreakState.CLEARED]
