"""Against PostgreSQL: SIGKILL the API (gunicorn master and workers) in the middle of a load of
recharges, restart it, retry what was never answered with the same Idempotency-Key, and find
every acknowledged sale exactly once with the books intact."""

from __future__ import annotations

import http.client
import threading
import time
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ops.bench.api_server import ApiServer
from ops.bench.counter import seed
from ops.bench.http_load import RechargeClient, recharge_body
from shared_models.db import make_engine, make_session_factory

pytestmark = pytest.mark.slow  # end to end: a real gunicorn killed mid-load and restarted

TILLS, ACCOUNTS = 6, 12
CRASHES, LOAD_BEFORE_KILL_S = 3, 1.5


@pytest.fixture
def crash_database(new_database):
    """Its own throwaway database: the sales committed here cannot be rolled back (the ledger
    refuses DELETE), so they must not land in the shared test database."""
    return new_database(postgres=True)


class Tills:
    """Clients selling until told to stop; each request is either acknowledged (201 seen)
    or left open to be retried with its key and body after the restart."""

    def __init__(self, port: int, tills) -> None:
        self.port, self.tills = port, tills
        self.acked: dict[tuple[str, str], dict] = {}  # (token, key) -> sale
        self.unanswered: list[tuple[str, str, bytes]] = []
        self.refused: list[str] = []
        self.sent = [0] * len(tills)  # per till, across restarts: keys are never reused
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def _sell(self, index: int) -> None:
        till = self.tills[index]
        client = RechargeClient(self.port, till.token, timeout=5)
        while not self.stop.is_set():
            n = self.sent[index] = self.sent[index] + 1
            key = f"crash-{index}-{n}"
            body = recharge_body(till.account_ids[n % len(till.account_ids)], f"{n % 7 + 1}.{index:02d}")
            answer = None
            while answer is None and not self.stop.is_set():
                try:  # as a till does: the same key again until the server answers
                    answer = client.recharge_once(key, body)
                except (OSError, http.client.HTTPException):
                    time.sleep(0.02)
            with self.lock:
                if answer is None:
                    self.unanswered.append((till.token, key, body))
                elif answer.status == 201:
                    self.acked[(till.token, key)] = answer.body
                else:
                    self.refused.append(f"{key}: {answer.status} {answer.body}")
        client.close()

    def retry_unanswered(self) -> None:
        """After the restart: every request never answered, again with its own key and body."""
        for token, key, body in self.unanswered:
            with RechargeClient(self.port, token) as client:
                answer = client.recharge(key, body, deadline=time.monotonic() + 10)
            assert answer is not None and answer.status == 201, (key, answer)
            self.acked[(token, key)] = answer.body
        self.unanswered.clear()

    def stop_and_join(self, threads: list[threading.Thread]) -> None:
        time.sleep(0.2)  # the tills retry against the dead server for a moment
        self.stop.set()
        for thread in threads:
            thread.join(10)
        self.stop.clear()

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._sell, args=(i,)) for i in range(len(self.tills))]
        for thread in threads:
            thread.start()
        return threads


@pytest.mark.postgres
def test_sigkill_mid_load_loses_and_doubles_nothing(crash_database, redis_url, tmp_path):
    from shared_models.ledger.verify import verify
    from shared_models.models import LedgerAccount, LedgerTransaction, Sale

    counters = seed(crash_database, sites=2, tills=TILLS, accounts_per_site=ACCOUNTS, prefix="K")
    server = ApiServer(crash_database, redis_url, workers=2, threads=4, log_path=tmp_path / "api.log")
    tills = Tills(server.port, counters.tills)
    try:
        for _crash in range(CRASHES):
            server.start()
            tills.retry_unanswered()
            threads = tills.run()
            time.sleep(LOAD_BEFORE_KILL_S)
            server.kill()  # master and workers, mid-request
            tills.stop_and_join(threads)
            assert tills.unanswered, "the kill interrupted no request"
        server.start()
        tills.retry_unanswered()
    finally:
        server.stop()

    assert not tills.refused, tills.refused
    engine = make_engine(crash_database)
    try:
        with make_session_factory(engine)() as db:
            sales = {sale.id: sale for sale in db.scalars(select(Sale))}
            acked_ids = [body["id"] for body in tills.acked.values()]
            assert len(set(acked_ids)) == len(acked_ids), "two keys answered with the same sale"
            assert set(acked_ids) == set(sales), "a sale is missing, or one was made unacknowledged"
            for body in tills.acked.values():
                assert sales[body["id"]].amount == Decimal(body["amount"])
            keys = db.scalar(select(func.count(func.distinct(LedgerTransaction.external_key))))
            assert keys == db.scalar(select(func.count(LedgerTransaction.id))) == len(sales)
            report = verify(db)
            assert report.ok, report.problems
            for site_id in counters.site_ids:
                numbers = sorted(sale.receipt_number for sale in sales.values() if sale.site_id == site_id)
                assert numbers == list(range(1, len(numbers) + 1)), f"receipt gap at site {site_id}"
            credited: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
            for body in tills.acked.values():
                credited[body["account_id"]] += Decimal(body["amount"])
            wallets = dict(db.execute(select(LedgerAccount.tenant_account_id, LedgerAccount.balance)
                                      .where(LedgerAccount.tenant_account_id.is_not(None))).all())
            assert {a: b for a, b in wallets.items() if b} == dict(credited)
    finally:
        engine.dispose()
