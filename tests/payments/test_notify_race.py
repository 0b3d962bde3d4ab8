"""Against PostgreSQL: a notify and a query reporting the same payment at once credit once.

Each of the two runs `confirm.apply` in its own transaction on its own connection. The first
holds the order's row lock while the second waits on it (seen in pg_stat_activity), then
commits its credit; the second must then find the order credited and move nothing.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from shared_models.db import make_engine, make_session_factory
from shared_models.ledger.verify import verify
from shared_models.models import LedgerTransaction, Sale
from shared_models.models.payments import OrderState, PaymentEventKind
from shared_models.payments import confirm, orders
from shared_models.payments.gateways.base import ChargeState
from tests.infra import scratch_databases

pytestmark = pytest.mark.postgres
APP, MERCHANT = "app-1", "mch-1"


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    databases = scratch_databases(tmp_path_factory.mktemp("race"), postgres=True)
    engine = make_engine(databases.create())
    yield make_session_factory(engine)
    engine.dispose()
    databases.drop_all()


@pytest.fixture
def order_id(sessions):
    from shared_models import registry
    from shared_models.sales import accounts

    with sessions() as db:
        site = registry.save_site(db, {"code": f"R{time.monotonic_ns() % 10**8}", "name": "Race"})
        gateway = registry.save_gateway(db, {"site_id": site.id, "name": "G", "host": "127.0.0.1",
                                             "bus_count": 1})
        meter = registry.save_meter(db, {"bus_id": gateway.buses[0].id, "address": 1,
                                         "serial_number": f"RC{site.id:06d}"})
        account = accounts.open_account(db, {"site_id": site.id, "tenant_name": "T",
                                             "meter_ids": [meter.id]}, operator_id=None)
        order = orders.create(db, account_id=account.id, amount="30.00", channel="wechat",
                              flow="qr", source="test", requested_by="test")
        db.commit()
        return order.id


def _apply(db, order_id, via):
    order = orders.get(db, order_id)
    report = confirm.Report(out_trade_no=order.out_trade_no, state=ChargeState.PAID,
                            trade_no="4200000001", amount=Decimal("30.00"), app_id=APP,
                            merchant_id=MERCHANT)
    return confirm.apply(db, order_id, report, via=via, app_id=APP, merchant_id=MERCHANT)


def _waits_on_a_lock(db, pid: int) -> bool:
    return db.execute(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                      {"pid": pid}).scalar() is True


def test_a_notify_and_a_query_at_once_credit_once(sessions, order_id):
    results, pids = {}, {}
    with sessions() as first:
        orders.get(first, order_id, lock=True)  # the notify holds the order...

        def query():
            with sessions() as second:
                pids["query"] = second.execute(text("SELECT pg_backend_pid()")).scalar()
                results["query"] = _apply(second, order_id, PaymentEventKind.QUERY)
                second.commit()

        thread = threading.Thread(target=query)
        thread.start()
        with sessions() as watcher:
            deadline = time.monotonic() + 10
            while not ("query" in pids and _waits_on_a_lock(watcher, pids["query"])):
                assert time.monotonic() < deadline, "the query never waited for the notify's lock"
                time.sleep(0.02)
        results["notify"] = _apply(first, order_id, PaymentEventKind.NOTIFY)  # ...and credits
        first.commit()
        thread.join(10)
    assert results["notify"].credited and not results["query"].credited
    assert results["query"].reason == "already credited: nothing to do"
    with sessions() as db:
        order = orders.get(db, order_id)
        assert order.state == OrderState.CREDITED
        assert db.scalar(select(func.count(Sale.id)).where(Sale.account_id == order.account_id)) == 1
        assert db.scalar(select(func.count(LedgerTransaction.id))
                         .where(LedgerTransaction.external_key == "wechat:4200000001")) == 1
        assert verify(db).ok
