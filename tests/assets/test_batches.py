"""Arrival batches and acceptance sampling through the API."""

from __future__ import annotations


def test_a_batch_arrives_as_one_asset_per_serial(store):
    batch, ids = store.receive(3)
    assert (batch["state"], batch["quantity"], batch["counts"]) == ("received", 3, {"arrived": 3})
    assert {a["state"] for a in store.get("/assets", query_string={"batch_id": batch["id"]}).json} \
        == {"arrived"}
    assert store.events(ids[0]) == [("arrived", None, "arrived", None, None)]


def test_a_batch_lists_exactly_its_quantity_of_distinct_serials(store):
    body = {"number": "B-X", "supplier": "S", "model": "M", "arrived_on": "2026-11-01"}
    short = store.post("/asset-batches", {**body, "quantity": 3, "serials": ["X1", "X2"]},
                       status=422).json
    assert list(short["errors"]["json"]) == ["serials"]
    twice = store.post("/asset-batches", {**body, "quantity": 2, "serials": ["X1", "X1"]},
                       status=422).json
    assert twice["message"] == "A serial number is listed twice."
    assert store.get("/asset-batches").json == []


def test_a_serial_already_known_is_refused_and_nothing_is_written(store):
    _, ids = store.receive(1)
    serial = store.get(f"/assets/{ids[0]}").json["serial_number"]
    refused = store.post("/asset-batches", {"number": "B-Y", "supplier": "S", "model": "M",
                                            "arrived_on": "2026-11-01", "quantity": 2,
                                            "serials": ["FRESH1", serial]}, status=409).json
    assert serial in refused["message"]
    assert store.get("/assets", query_string={"serial_number": "FRESH1"}).json == []


def test_a_passed_sample_accepts_the_batch_and_verification_may_begin(store):
    batch, ids = store.receive(5)
    store.verify(ids[0], status=422)  # not before the sample
    sample = store.post(f"/asset-batches/{batch['id']}/samples",
                        {"passed": 2, "failed": 0, "note": "外观、走字"}, status=201).json
    assert (sample["sample_size"], sample["outcome"], sample["checked_by_id"] is not None) == \
        (2, "passed", True)
    assert store.get(f"/asset-batches/{batch['id']}").json["state"] == "accepted"
    store.verify(ids[0])
    assert store.get(f"/assets/{ids[0]}").json["state"] == "in_stock"
    store.post(f"/asset-batches/{batch['id']}/samples", {"passed": 1, "failed": 0}, status=422)


def test_a_failed_sample_sends_the_unverified_meters_back(store):
    batch, ids = store.receive(4)
    store.post(f"/asset-batches/{batch['id']}/samples", {"passed": 1, "failed": 1}, status=201)
    detail = store.get(f"/asset-batches/{batch['id']}").json
    assert (detail["state"], detail["counts"]) == ("rejected", {"returned": 4})
    assert store.events(ids[0])[-1][:3] == ("returned", "arrived", "returned")


def test_a_sample_cannot_test_more_meters_than_the_batch_holds(store):
    batch, _ = store.receive(2)
    body = store.post(f"/asset-batches/{batch['id']}/samples", {"passed": 3, "failed": 0},
                      status=422).json
    assert list(body["errors"]["json"]) == ["passed"]
    assert store.get(f"/asset-batches/{batch['id']}/samples").json == []
