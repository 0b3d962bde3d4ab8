"""Fixtures for the metering asset tests: a store keeper and an approver talking to the API."""

from __future__ import annotations

import itertools
from io import BytesIO

import pytest
from openpyxl import Workbook

_numbers = itertools.count(1)


class Store:
    """One member of staff at the meter store, calling the API as the console would."""

    def __init__(self, client, headers: dict) -> None:
        self.client, self.headers = client, headers

    def call(self, method: str, path: str, json=None, *, status: int | None = None, **kwargs):
        response = self.client.open(f"/api/v1{path}", method=method, json=json,
                                    headers={"Accept-Language": "en", **self.headers}, **kwargs)
        if status is not None:
            assert response.status_code == status, response.get_data(as_text=True)
        return response

    def post(self, path: str, json=None, status: int | None = None, **kwargs):
        return self.call("POST", path, {} if json is None else json, status=status, **kwargs)

    def get(self, path: str, status: int | None = 200, **kwargs):
        return self.call("GET", path, status=status, **kwargs)

    def receive(self, count: int = 3, model: str = "WK-PM1", **values) -> tuple[dict, list[int]]:
        """A batch of `count` meters; returns it and its asset ids."""
        n = next(_numbers)
        serials = [f"A{n:04d}{i:03d}" for i in range(count)]
        batch = self.post("/asset-batches", {
            "number": f"B-{n}", "supplier": "华立", "model": model, "quantity": count,
            "arrived_on": "2026-11-01", "serials": serials, **values}, status=201).json
        assets = self.get("/assets", query_string={"batch_id": batch["id"]}).json
        return batch, [a["id"] for a in assets]

    def verify(self, asset_id: int, result: str = "passed", status: int = 201, **values) -> dict:
        return self.post(f"/assets/{asset_id}/verifications", {
            "verified_on": "2026-11-05", "laboratory": "市计量所",
            "certificate_number": f"JD-{next(_numbers)}", "result": result,
            "error_percent": "0.120", "accuracy_class": "2", "seals": "S-001",
            "next_due": "2034-11-05", **values}, status=status).json

    def in_stock(self, count: int = 1, **values) -> list[int]:
        batch, ids = self.receive(count, **values)
        self.post(f"/asset-batches/{batch['id']}/samples", {"passed": count, "failed": 0},
                  status=201)
        for asset_id in ids:
            self.verify(asset_id)
        return ids

    def dispatched(self, site_id: int, count: int = 1, **values) -> list[int]:
        ids = self.in_stock(count, **values)
        for asset_id in ids:
            self.post(f"/assets/{asset_id}/dispatch", {"site_id": site_id}, status=200)
        return ids

    def events(self, asset_id: int) -> list[tuple]:
        return [(e["kind"], e["from_state"], e["to_state"], e["reading"], e["swap_id"])
                for e in self.get(f"/assets/{asset_id}/events").json]


@pytest.fixture
def store(client, auth_headers) -> Store:
    return Store(client, auth_headers("operator"))


@pytest.fixture
def approver(client, auth_headers) -> Store:
    return Store(client, auth_headers("finance"))


def workbook_bytes(batch_rows: list[list], serial_rows: list[list],
                   batch_header=("number", "supplier", "model", "arrived_on", "note")) -> BytesIO:
    book = Workbook()
    batch = book.active
    batch.title = "Batch"
    batch.append(list(batch_header))
    for row in batch_rows:
        batch.append(row)
    serials = book.create_sheet("Serials")
    serials.append(["serial_number"])
    for row in serial_rows:
        serials.append(row)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out
