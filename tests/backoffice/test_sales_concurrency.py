"""Against PostgreSQL: concurrent duplicates of money-moving requests make one sale each."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shared_models.db import make_engine, make_session_factory

pytestmark = pytest.mark.slow  # end to end: fifty concurrent requests against a live app

THREADS, KEYS = 50, 10


@pytest.fixture
def live_app(redis_url, new_database):
    """The app on its own throwaway PostgreSQL database with a real engine and connection
    pool (the `app` fixture binds one connection, which would serialise every request)."""
    from backoffice import create_app

    url = new_database(postgres=True)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "REDIS_URL": redis_url,
                      "SECRET_KEY": "test-secret"})
    yield app
    app.extensions["wk_engine"].dispose()


def _counter_ready(url: str) -> tuple[str, int]:
    """A site, an operator with a token and an open shift, and an account: committed."""
    from backoffice.auth.accounts import issue_token, save_operator
    from shared_models import registry
    from shared_models.enums import Role
    from shared_models.sales import accounts, shifts

    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        site = registry.save_site(db, {"code": "CC", "name": "Concurrency"})
        gateway = registry.save_gateway(db, {"site_id": site.id, "name": "G", "host": "127.0.0.1",
                                             "bus_count": 1})
        meter = registry.save_meter(db, {"bus_id": gateway.buses[0].id, "address": 1,
                                         "serial_number": "CC0001"})
        operator = save_operator(db, {"username": "till", "password": "correct horse battery",
                                      "role": Role.OPERATOR, "site_ids": [site.id]})
        _token, raw = issue_token(db, operator.id, "till", 1)
        shifts.open_shift(db, operator.id, site.id)
        account = accounts.open_account(db, {"site_id": site.id, "tenant_name": "T",
                                             "meter_ids": [meter.id]}, operator_id=operator.id)
        db.commit()
        result = raw, account.id
    engine.dispose()
    return result


@pytest.mark.postgres
def test_fifty_concurrent_requests_on_ten_keys_make_ten_sales(live_app):
    from shared_models.ledger.verify import verify
    from shared_models.models import LedgerAccount, Sale

    token, account_id = _counter_ready(live_app.config["DATABASE_URL"])
    start = threading.Barrier(THREADS)

    def attempt(n: int):
        key = n % KEYS
        start.wait()
        response = live_app.test_client().post(
            "/api/v1/sales/recharges",
            json={"account_id": account_id, "amount": f"{key + 1}.00", "channel": "cash"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"key-{key}"})
        return key, response.status_code, response.get_json(), response.headers

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(attempt, range(THREADS)))

    assert {status for _key, status, _body, _headers in results} == {201}, results
    sale_for_key = {}
    for key, _status, body, _headers in results:
        assert sale_for_key.setdefault(key, body["id"]) == body["id"]  # replays: the same sale
    replays = [h for *_rest, h in results if h.get("Idempotent-Replayed") == "true"]
    assert len(replays) == THREADS - KEYS
    with make_session_factory(live_app.extensions["wk_engine"])() as db:
        sales = list(db.scalars(select(Sale).where(Sale.account_id == account_id)))
        assert len(sales) == KEYS
        assert sorted(sale.receipt_number for sale in sales) == list(range(1, KEYS + 1))
        expected = sum(Decimal(k + 1) for k in range(KEYS))
        assert sum(sale.amount for sale in sales) == expected
        wallet = db.scalar(select(LedgerAccount).where(LedgerAccount.tenant_account_id == account_id))
        assert wallet.balance == expected
        assert db.scalar(select(func.count()).select_from(Sale)) == KEYS
        assert verify(db).ok
