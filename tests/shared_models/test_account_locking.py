"""Against PostgreSQL: money never reaches an account a concurrent close has just closed.

Each test closes an account in one transaction and, while that close is not yet committed,
runs another money path on the same account in a second thread. The second one must wait for
the close and then see the account closed: a status read before the lock is stale.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from shared_models.db import make_engine, make_session_factory
from shared_models.enums import ControlMode
from shared_models.errors import RuleViolation
from shared_models.ledger.books import wallet_of
from shared_models.ledger.verify import verify
from shared_models.metering.meter_states import state_of
from shared_models.models import Command, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.models.ledger import Channel
from shared_models.sales import accounts, sales, shifts
from shared_models.settlement.local_credit import push_credit
from shared_models.types import utcnow
from tests.infra import scratch_databases

D = Decimal
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    databases = scratch_databases(tmp_path_factory.mktemp("locking"), postgres=True)
    engine = make_engine(databases.create())
    yield make_session_factory(engine)
    engine.dispose()
    databases.drop_all()


@pytest.fixture
def counter(sessions):
    """A site with an operator on shift, and an account (remote or local) holding 50.00."""
    from backoffice.auth.accounts import save_operator
    from shared_models import registry

    def make(mode: ControlMode = ControlMode.REMOTE):
        with sessions() as db:
            site = registry.save_site(db, {"code": f"L{time.monotonic_ns() % 10**8}", "name": "Lock"})
            gateway = registry.save_gateway(db, {"site_id": site.id, "name": "G", "host": "127.0.0.1",
                                                 "bus_count": 1})
            meter = registry.save_meter(db, {"bus_id": gateway.buses[0].id, "address": 1,
                                             "serial_number": f"LK{site.id:06d}",
                                             "control_mode": mode})
            operator = save_operator(db, {"username": f"till{site.id}", "password": "correct horse battery",
                                          "role": "admin", "all_sites": True})
            shifts.open_shift(db, operator.id, site.id)
            account = accounts.open_account(db, {"site_id": site.id, "tenant_name": "T",
                                                 "meter_ids": [meter.id], "opening_balance": D("50.00"),
                                                 "carried_over_from": "old"}, operator_id=operator.id)
            state = state_of(db, meter.id)
            state.last_read_at, state.balance, state.purchase_count = utcnow(), D("0.00"), 0
            db.commit()
            return account.id, operator.id, meter.id

    return make


def blocked_on_a_lock(db, pid: int) -> bool:
    return db.execute(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                      {"pid": pid}).scalar() is True


def race_with_close(sessions, account_id: int, operator_id: int, other) -> object:
    """Close the account; while the close is uncommitted, start `other(db)` in a thread and
    commit the close once the thread waits on a lock. Returns what `other` returned or raised."""
    outcome: dict = {}
    started = threading.Event()

    def second():
        with sessions() as db:
            outcome["pid"] = db.execute(text("SELECT pg_backend_pid()")).scalar()
            started.set()
            try:
                outcome["result"] = other(db)
                db.commit()
            except RuleViolation as exc:
                db.rollback()
                outcome["result"] = exc

    with sessions() as db, sessions() as watcher:
        account = db.get(TenantAccount, account_id)
        accounts.close_account(db, account, {"refund_channel": Channel.CASH}, operator_id=operator_id)
        thread = threading.Thread(target=second)
        thread.start()
        started.wait(10)
        deadline = time.monotonic() + 10
        while not blocked_on_a_lock(watcher, outcome["pid"]) and time.monotonic() < deadline:
            time.sleep(0.02)
        waited = blocked_on_a_lock(watcher, outcome["pid"])
        db.commit()
    thread.join(20)
    assert waited, "the second transaction never waited for the close"
    return outcome["result"]


def closed_wallet(sessions, account_id: int) -> Decimal:
    with sessions() as db:
        assert db.get(TenantAccount, account_id).status == AccountStatus.CLOSED
        assert verify(db).ok
        return wallet_of(db, account_id).balance


def test_a_recharge_behind_a_close_is_refused(sessions, counter):
    account_id, operator_id, _meter = counter()
    result = race_with_close(sessions, account_id, operator_id, lambda db: sales.recharge(
        db, account_id=account_id, amount=D("20.00"), channel=Channel.CASH, operator_id=operator_id))
    assert isinstance(result, RuleViolation) and "closed" in result.message
    assert closed_wallet(sessions, account_id) == D("0.00")


def test_a_local_mode_push_behind_a_close_moves_nothing(sessions, counter):
    account_id, operator_id, meter_id = counter(ControlMode.LOCAL)
    result = race_with_close(sessions, account_id, operator_id,
                             lambda db: push_credit(db, account_id))
    assert result is None
    with sessions() as db:
        assert db.scalars(select(Command).where(Command.meter_id == meter_id)).all() == []
    assert closed_wallet(sessions, account_id) == D("0.00")


def test_a_second_close_behind_a_close_is_refused(sessions, counter):
    account_id, operator_id, _meter = counter()
    result = race_with_close(sessions, account_id, operator_id, lambda db: accounts.close_account(
        db, db.get(TenantAccount, account_id), {"refund_channel": Channel.CASH}, operator_id=operator_id))
    assert isinstance(result, RuleViolation) and "closed" in result.message


def test_a_swap_behind_a_close_is_refused(sessions, counter):
    from shared_models import registry

    account_id, operator_id, meter_id = counter()
    with sessions() as db:
        bus_id = db.get(TenantAccount, account_id).meters[0].bus_id
        new_id = registry.save_meter(db, {"bus_id": bus_id, "address": 2,
                                          "serial_number": f"NEW{account_id:06d}"}).id
        db.commit()
    result = race_with_close(sessions, account_id, operator_id, lambda db: accounts.swap_meter(
        db, db.get(TenantAccount, account_id), {"old_meter_id": meter_id, "new_meter_id": new_id,
                                                 "old_final_reading": "1.00", "new_start_reading": "0.00"},
        operator_id=operator_id))
    assert isinstance(result, RuleViolation) and "closed" in result.message


def test_settlement_behind_a_close_bills_nothing_to_the_closed_account(sessions, counter):
    from shared_models.models import Reading
    from shared_models.settlement import settle_meters

    account_id, operator_id, meter_id = counter()
    with sessions() as db:
        now = utcnow()
        for minutes, total in ((20, "10.00"), (10, "30.00")):  # 20 kWh to bill
            reading = Reading(meter_id=meter_id, read_at=now - timedelta(minutes=minutes),
                              total_energy=D(total), energy_sharp=D(0), energy_peak=D(0),
                              energy_flat=D(total), energy_valley=D(0), balance=D(0),
                              purchase_count=0, status_bits=0, power_w=0)
            db.add(reading)
            db.flush()
            state = state_of(db, meter_id)
            state.last_reading_id, state.last_read_at, state.relay_open = reading.id, reading.read_at, False
        db.get(TenantAccount, account_id).links[0].attached_at = now - timedelta(days=1)
        db.commit()
    race_with_close(sessions, account_id, operator_id, lambda db: settle_meters(db, [meter_id]))
    assert closed_wallet(sessions, account_id) == D("0.00")
