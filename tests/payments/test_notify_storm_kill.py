"""Against PostgreSQL: the API under gunicorn is SIGKILLed (master and workers) while the sandbox
gateway delivers a storm of payment notifies, then restarted on the same port. The gateways retry
what was not answered as they do (the sandbox's schedules, sped up); in the end every paid order
is credited exactly once and the ledger verifies."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from ops.bench.api_server import ApiServer
from ops.bench.counter import seed
from ops.bench.notify import UNTHROTTLED, check_books, create_orders
from shared_models.db import make_engine, make_session_factory
from tests.payments.sandbox_kit import start_sandbox, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ORDERS = 30
# Alipay's first retry (+4 min) comes after 1.2 s, UnionPay's (+1 min) after 0.3 s, WeChat's
# (+15 s) after 0.075 s: the whole schedule up to the restart fits in the test.
TIME_SCALE = 0.005


@pytest.fixture
def storm_database(new_database):
    """Its own database: credits committed by gunicorn cannot be rolled back."""
    return new_database(postgres=True)


def _delivered(sandbox) -> list[dict]:
    return [n for n in sandbox.admin("GET", "/notifies") if n["status"] == "delivered"]


def test_sigkill_during_a_notify_storm_credits_every_paid_order_once(storm_database, redis_url, tmp_path):
    from shared_models.models import LedgerTransaction, Sale
    from shared_models.models.payments import OrderState, PaymentOrder

    payers = seed(storm_database, sites=1, tills=1, accounts_per_site=ORDERS // 3, prefix="S").tills[0]
    sandbox = start_sandbox(tmp_path / "sandbox", time_scale=TIME_SCALE)
    server = ApiServer(storm_database, redis_url, workers=2, threads=4, log_path=tmp_path / "api.log")
    server.env.update(WATTKEEPER_PAYMENTS=str(sandbox.payments_toml), **UNTHROTTLED)
    try:
        server.start()
        orders = create_orders(server.base_url, payers.token, list(payers.account_ids), ORDERS,
                               channels=("wechat", "alipay", "unionpay"))
        payers_done = threading.Event()

        def approve_all() -> None:
            # A storm: eight payers at once, while the API is killed and restarted under them.
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda o: sandbox.pay(o.channel, o.out_trade_no), orders))
            payers_done.set()

        payer_thread = threading.Thread(target=approve_all)
        payer_thread.start()
        wait_for(lambda: len(_delivered(sandbox)) >= ORDERS // 6, timeout=30,
                 what="the first notifies to be delivered")
        server.kill()  # mid-storm: requests in flight die with the workers
        killed_at = time.time()
        payer_thread.join(30)
        assert payers_done.is_set(), "the payers did not finish"
        time.sleep(0.5)  # notifies keep failing against the dead port for a while
        server.start()
        notifies = wait_for(lambda: (found := sandbox.admin("GET", "/notifies"))
                            and len(found) == ORDERS and all(n["status"] == "delivered" for n in found)
                            and found, timeout=40, what="every notify to be delivered after the restart")
    finally:
        server.stop()
        sandbox.stop()

    # The kill mattered: some notify was cut off or refused by the dead server and retried.
    retried = [n for n in notifies if len(n["attempts"]) > 1]
    assert retried, "no notify needed a retry: the kill missed the storm"
    assert any(a["at"] >= killed_at and not a["delivered"] for n in retried for a in n["attempts"])

    assert check_books(storm_database, orders) == []
    engine = make_engine(storm_database)
    try:
        with make_session_factory(engine)() as db:
            ids = [order.id for order in orders]
            assert db.scalar(select(func.count(PaymentOrder.id)).where(
                PaymentOrder.id.in_(ids), PaymentOrder.state == OrderState.CREDITED)) == ORDERS
            assert db.scalar(select(func.count(Sale.id))) == ORDERS  # one sale each, no other
            assert db.scalar(select(func.count(LedgerTransaction.id)).where(
                LedgerTransaction.external_key.is_not(None))) == ORDERS
            for order in orders:
                row = db.get(PaymentOrder, order.id)
                assert str(row.amount) == order.amount and not row.needs_review
    finally:
        engine.dispose()
