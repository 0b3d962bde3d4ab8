"""A meter's moves through the API: verified, dispatched, installed, swapped, removed."""

from __future__ import annotations

import pytest


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def bus(make_gateway, site):
    return make_gateway(site=site).buses[0]


def install(store, asset_id, bus, address, reading="0.00", status=200, **values):
    return store.post(f"/assets/{asset_id}/install", {
        "bus_id": bus.id, "address": address, "reading": reading, "seals": "Q-1", **values},
        status=status).json


def test_an_installed_meter_is_a_registry_meter_an_account_can_open(store, site, bus, desk_for):
    [asset_id] = store.dispatched(site.id)
    asset = install(store, asset_id, bus, 7, reading="1.25")
    assert asset["state"] == "installed" and asset["meter_id"]
    meter = store.get(f"/meters/{asset['meter_id']}").json
    assert (meter["serial_number"], meter["address"], meter["status"]) == \
        (asset["serial_number"], 7, "not_opened")
    account = desk_for(site).open_account(meters=[asset["meter_id"]])
    assert account["meters"][0]["status"] == "opened"
    assert [e[:4] for e in store.events(asset_id)] == [
        ("arrived", None, "arrived", None), ("verified", "arrived", "in_stock", None),
        ("dispatched", "in_stock", "dispatched", None),
        ("installed", "dispatched", "installed", "1.25")]


def test_moves_outside_the_machine_are_refused_and_leave_no_trace(store, site, bus):
    [asset_id] = store.in_stock()
    refused = install(store, asset_id, bus, 3, status=422)  # not dispatched yet
    assert refused["message"] == "A meter that is in stock cannot be installed."
    store.post(f"/assets/{asset_id}/remove", {"reading": "1.00"}, status=422)
    assert store.get("/meters", query_string={"bus_id": bus.id}).json == []
    assert len(store.events(asset_id)) == 2


def test_a_meter_dispatched_elsewhere_is_not_installed_here(store, make_site, bus):
    [asset_id] = store.dispatched(make_site().id)
    body = install(store, asset_id, bus, 3, status=422)
    assert list(body["errors"]["json"]) == ["bus_id"]


def test_a_meter_serving_an_account_is_swapped_not_removed(store, site, bus, desk_for):
    old_asset, new_asset = store.dispatched(site.id, 2)
    old = install(store, old_asset, bus, 1)["meter_id"]
    new = install(store, new_asset, bus, 2)["meter_id"]
    desk = desk_for(site)
    account = desk.open_account(meters=[old])
    refused = store.post(f"/assets/{old_asset}/remove", {"reading": "9.00"}, status=422).json
    assert account["number"] in refused["message"]
    swap = desk.post(f"/accounts/{account['id']}/swaps", {
        "old_meter_id": old, "new_meter_id": new, "old_final_reading": "321.50",
        "new_start_reading": "0.10", "reason": "display broken", "old_seals": "Q-1 intact",
        "new_seals": "Q-2"}, status=201).json
    assert store.events(old_asset)[-1] == ("removed", "installed", "removed", "321.50", swap["id"])
    assert store.events(new_asset)[-1] == ("commissioned", "installed", "installed", "0.10",
                                           swap["id"])
    assert store.get(f"/meters/{old}").json["status"] == "closed"
    # the removed device takes no commands and no account
    command = desk.post(f"/meters/{old}/commands", {"kind": "trip"}, status=422).json
    assert "removed" in command["message"]
    assert desk.open_account(meters=[old], status=422)["errors"]


def test_a_meter_registered_without_an_asset_gets_one_when_swapped(store, site, desk_for):
    desk = desk_for(site)
    account = desk.open_account()
    old, new = account["meters"][0]["id"], desk.new_meter()
    swap = desk.post(f"/accounts/{account['id']}/swaps", {
        "old_meter_id": old, "new_meter_id": new, "old_final_reading": "12.00",
        "new_start_reading": "0.00"}, status=201).json
    [asset] = store.get("/assets", query_string={"meter_id": old}).json
    assert asset["state"] == "removed"
    assert [e[0] for e in store.events(asset["id"])] == ["registered", "removed"]
    assert store.events(asset["id"])[-1][4] == swap["id"]


def test_a_removed_meter_is_reverified_and_reinstalled_at_its_new_place(store, site, bus,
                                                                        make_gateway):
    [asset_id] = store.dispatched(site.id)
    meter_id = install(store, asset_id, bus, 4)["meter_id"]
    store.post(f"/assets/{asset_id}/remove", {"reading": "88.00", "seals": "broken"}, status=200)
    store.verify(asset_id, verified_on="2026-11-20", next_due="2034-11-20")
    store.post(f"/assets/{asset_id}/dispatch", {"site_id": site.id}, status=200)
    other = make_gateway(site=site).buses[0]
    again = install(store, asset_id, other, 9, reading="88.00")
    assert again["meter_id"] == meter_id and again["verified_on"] == "2026-11-20"
    meter = store.get(f"/meters/{meter_id}").json
    assert (meter["bus_id"], meter["address"], meter["status"]) == (other.id, 9, "not_opened")


def test_the_certificate_of_a_disputed_meter(store, site, bus):
    [asset_id] = store.dispatched(site.id)
    meter_id = install(store, asset_id, bus, 5)["meter_id"]
    certificate = store.get(f"/assets/by-meter/{meter_id}/certificate").json
    assert certificate["valid"] is True and certificate["meter_id"] == meter_id
    assert {k: certificate["verification"][k] for k in (
        "laboratory", "result", "error_percent", "accuracy_class", "seals", "next_due")} == {
        "laboratory": "市计量所", "result": "passed", "error_percent": "0.120",
        "accuracy_class": "2", "seals": "S-001", "next_due": "2034-11-05"}


def test_a_failed_verification_sends_the_meter_to_repair(store):
    batch, [asset_id] = store.receive(1)
    store.post(f"/asset-batches/{batch['id']}/samples", {"passed": 1, "failed": 0}, status=201)
    store.verify(asset_id, result="failed", error_percent="-3.400")
    asset = store.get(f"/assets/{asset_id}").json
    assert (asset["state"], asset["verified_on"]) == ("in_repair", None)
    assert store.get(f"/assets/{asset_id}/certificate").json["valid"] is False


def test_reading_assets_needs_the_permission_and_writing_needs_more(client, auth_headers):
    kiosk = auth_headers("kiosk")
    assert client.get("/api/v1/assets", headers=kiosk).status_code == 403
    viewer = auth_headers("viewer")
    assert client.get("/api/v1/assets", headers=viewer).status_code == 200
    response = client.post("/api/v1/asset-batches", headers=viewer, json={})
    assert response.status_code == 403


def test_a_refused_move_reads_in_chinese_with_its_state_and_move_translated(store, site, bus):
    [asset_id] = store.in_stock()
    response = store.client.post(f"/api/v1/assets/{asset_id}/install", json={
        "bus_id": bus.id, "address": 3, "reading": "0"},
        headers={**store.headers, "Accept-Language": "zh-CN"})
    assert response.json["message"] == "电表当前“在库”，不能变为“已安装”。"


@pytest.mark.parametrize("error_percent", ["abc", "1e400", "123.4", "0.1234", ""])
def test_a_verification_error_that_is_not_a_small_decimal_is_refused(store, error_percent):
    [asset_id] = store.in_stock()
    body = store.verify(asset_id, error_percent=error_percent, status=422)
    assert list(body["errors"]["json"]) == ["error_percent"]
    assert len(store.get(f"/assets/{asset_id}/verifications").json) == 1
