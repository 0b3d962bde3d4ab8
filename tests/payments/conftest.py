"""The payment tests' shared world: one sandbox gateway process, one database and one back
office served over HTTP for the whole package (each test makes its own accounts)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import requests

from shared_models.db import make_engine, make_session_factory
from tests.infra import scratch_databases
from tests.payments.sandbox_kit import serve, start_sandbox, wait_for

_serials = itertools.count(1)


@pytest.fixture(scope="package")
def sandbox(tmp_path_factory):
    running = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture(scope="package")
def sessions(tmp_path_factory):
    databases = scratch_databases(tmp_path_factory.mktemp("paydb"), "pay")
    engine = make_engine(databases.create())
    yield make_session_factory(engine)
    engine.dispose()
    databases.drop_all()


@pytest.fixture(scope="package")
def office(sessions, sandbox, redis_url):
    from backoffice import create_app

    app = create_app({"DATABASE_URL": str(sessions.kw["bind"].url.render_as_string(False)),
                      "SESSION_FACTORY": sessions, "REDIS_URL": redis_url, "SECRET_KEY": "t",
                      "PAYMENTS_FILE": str(sandbox.payments_toml)})
    served = serve(app)
    yield served
    served.stop()


@pytest.fixture(scope="package")
def staff(sessions, office):
    """A site with one account, and a finance operator's bearer token."""
    from backoffice.auth.accounts import issue_token, save_operator
    from shared_models import registry
    from shared_models.sales import accounts

    with sessions() as db:
        site = registry.save_site(db, {"code": "PAY", "name": "Payments"})
        gateway = registry.save_gateway(db, {"site_id": site.id, "name": "G", "host": "127.0.0.1",
                                             "bus_count": 1})
        operator = save_operator(db, {"username": "cashier", "password": "correct horse battery",
                                      "role": "finance", "all_sites": True})
        _token, raw = issue_token(db, operator.id, "test", 1)
        db.commit()
        return Staff(office.url, {"Authorization": f"Bearer {raw}", "Accept-Language": "en"},
                     sessions, gateway.buses[0].id, site.id, accounts)


class Staff:
    def __init__(self, url, headers, sessions, bus_id, site_id, accounts):
        self.url, self.headers, self.sessions = url, headers, sessions
        self.bus_id, self.site_id, self._accounts = bus_id, site_id, accounts

    def call(self, method, path, json=None, status=None):
        response = requests.request(method, f"{self.url}/api/v1{path}", json=json,
                                    headers=self.headers, timeout=60)
        if status is not None:
            assert response.status_code == status, response.text
        return response

    def new_account(self) -> int:
        from shared_models import registry

        with self.sessions() as db:
            n = next(_serials)
            meter = registry.save_meter(db, {"bus_id": self.bus_id, "address": n,
                                             "serial_number": f"PAY{n:06d}"})
            account = self._accounts.open_account(db, {"site_id": self.site_id, "tenant_name": "T",
                                                       "meter_ids": [meter.id]}, operator_id=None)
            db.commit()
            return account.id

    def balance(self, account_id) -> Decimal:
        return Decimal(self.call("GET", f"/accounts/{account_id}", status=200).json()["balance"])

    def order(self, order_id) -> dict:
        return self.call("GET", f"/payments/orders/{order_id}", status=200).json()

    def new_order(self, account_id, amount="25.00", channel="alipay") -> dict:
        return self.call("POST", "/payments/orders", {"account_id": account_id, "amount": amount,
                                                      "channel": channel, "flow": "qr"}, status=201).json()

    def wait_state(self, order_id, state, timeout=20.0) -> dict:
        return wait_for(lambda: (found := self.order(order_id))["state"] == state and found,
                        timeout, what=f"order {order_id} to be {state}")
