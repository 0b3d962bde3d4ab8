"""Fixtures for the money tests: a site with tight limits and operators at its counter."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest


class Desk:
    """One operator at the counter of a site, talking to the API like the staff console."""

    def __init__(self, client, headers: dict, site, new_meter) -> None:
        self.client, self.headers, self.site, self._new_meter = client, headers, site, new_meter

    def new_meter(self) -> int:
        return self._new_meter()

    def call(self, method: str, path: str, json=None, *, key: str | None = None,
             status: int | None = None):
        headers = {"Accept-Language": "en", **self.headers,
                   **({"Idempotency-Key": key} if key else {})}
        response = self.client.open(f"/api/v1{path}", method=method, json=json, headers=headers)
        if status is not None:
            assert response.status_code == status, response.get_data(as_text=True)
        return response

    def post(self, path: str, json=None, **kwargs):
        return self.call("POST", path, {} if json is None else json, **kwargs)

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def open_shift(self) -> dict:
        return self.post("/shifts", {"site_id": self.site.id}, status=201).json

    def open_account(self, meters: int | list[int] = 1, status: int = 201, **values) -> dict:
        meter_ids = meters if isinstance(meters, list) else [self.new_meter() for _ in range(meters)]
        body = {"site_id": self.site.id, "tenant_name": "张三", "meter_ids": meter_ids, **values}
        return self.post("/accounts", body, status=status).json

    def recharge(self, account_id: int, amount: str, channel: str = "cash", **kwargs):
        return self.post("/sales/recharges", {"account_id": account_id, "amount": amount,
                                              "channel": channel}, **kwargs)

    def refund(self, account_id: int, amount: str, channel: str = "cash", **kwargs):
        return self.post("/sales/refunds", {"account_id": account_id, "amount": amount,
                                            "channel": channel}, **kwargs)

    def balance(self, account_id: int) -> Decimal:
        return Decimal(self.get(f"/accounts/{account_id}", status=200).json["balance"])


@pytest.fixture
def money_site(make_site):
    return make_site(credit_cap=Decimal("1000.00"), refund_approval_threshold=Decimal("300.00"))


@pytest.fixture
def desk_for(client, auth_headers, make_gateway, make_meter):
    buses, counters = {}, {}

    def make(site, role: str = "operator", shift: bool = True) -> Desk:
        if site.id not in buses:
            buses[site.id] = make_gateway(site=site, bus_count=4).buses
            counters[site.id] = itertools.count(1)

        def new_meter() -> int:
            n = next(counters[site.id])
            return make_meter(bus=buses[site.id][(n - 1) // 32], address=(n - 1) % 32 + 1).id

        desk = Desk(client, auth_headers(role, site_ids=[site.id]), site, new_meter)
        if shift:
            desk.open_shift()
        return desk

    return make


@pytest.fixture
def desk(desk_for, money_site) -> Desk:
    return desk_for(money_site)
