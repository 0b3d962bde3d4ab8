"""Scrapping needs a second person; the stock report counts by state, model and site."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook


def removed_asset(store, site, bus):
    [asset_id] = store.dispatched(site.id)
    store.post(f"/assets/{asset_id}/install", {"bus_id": bus.id, "address": 1, "reading": "0"},
               status=200)
    store.post(f"/assets/{asset_id}/remove", {"reading": "5.00", "reason": "burnt"}, status=200)
    return asset_id


def test_scrapping_is_approved_by_another_person(store, approver, make_site, make_gateway):
    site = make_site()
    asset_id = removed_asset(store, site, make_gateway(site=site).buses[0])
    asked = store.post(f"/assets/{asset_id}/scrap-requests", {"reason": "burnt terminal"},
                       status=201).json
    store.post(f"/assets/{asset_id}/scrap-requests", {"reason": "again"}, status=409)
    assert store.get(f"/assets/{asset_id}").json["state"] == "removed"
    # the one who asked cannot approve, even holding the permission
    store.post(f"/asset-plan/scrap-requests/{asked['id']}/approve", status=403)
    approved = approver.post(f"/asset-plan/scrap-requests/{asked['id']}/approve",
                             status=200).json
    assert (approved["state"], approved["decided_by_id"] is not None) == ("approved", True)
    assert store.get(f"/assets/{asset_id}").json["state"] == "scrapped"
    assert store.events(asset_id)[-1][:3] == ("scrapped", "removed", "scrapped")
    approver.post(f"/asset-plan/scrap-requests/{asked['id']}/approve", status=422)


def test_the_same_person_cannot_ask_and_approve(client, auth_headers, store, make_site,
                                                make_gateway):
    from tests.assets.conftest import Store

    admin = Store(client, auth_headers("admin"))
    site = make_site()
    asset_id = removed_asset(store, site, make_gateway(site=site).buses[0])
    asked = admin.post(f"/assets/{asset_id}/scrap-requests", {"reason": "old"}, status=201).json
    refused = admin.post(f"/asset-plan/scrap-requests/{asked['id']}/approve", status=422).json
    assert refused["message"] == "A scrapping must be approved by another person."
    assert admin.get(f"/assets/{asset_id}").json["state"] == "removed"


def test_a_rejected_request_leaves_the_meter_where_it_is(store, approver):
    [asset_id] = store.in_stock()
    asked = store.post(f"/assets/{asset_id}/scrap-requests", {"reason": "scratched"},
                       status=201).json
    assert approver.post(f"/asset-plan/scrap-requests/{asked['id']}/reject",
                         status=200).json["state"] == "rejected"
    assert store.get(f"/assets/{asset_id}").json["state"] == "in_stock"


def test_an_installed_meter_cannot_be_scrapped(store, make_site, make_gateway):
    site = make_site()
    [asset_id] = store.dispatched(site.id)
    store.post(f"/assets/{asset_id}/install", {
        "bus_id": make_gateway(site=site).buses[0].id, "address": 1, "reading": "0"}, status=200)
    refused = store.post(f"/assets/{asset_id}/scrap-requests", {"reason": "x"}, status=422).json
    assert refused["message"] == "A meter that is installed cannot be scrapped."


def test_a_meter_with_no_record_has_no_certificate(store, make_meter):
    meter = make_meter()
    body = store.get(f"/assets/by-meter/{meter.id}/certificate", status=404).json
    assert body["message"] == f"No verification is recorded for meter {meter.serial_number}."


def test_stock_by_state_model_and_site_and_its_export(store, make_site, make_gateway, make_meter):
    site = make_site()
    bus = make_gateway(site=site).buses[0]
    make_meter(bus=bus, model="LEGACY-1")
    store.in_stock(2, model="STOCK-A")
    store.dispatched(site.id, 1, model="STOCK-A")
    rows = store.get("/asset-plan/stock").json
    mine = {(r["state"], r["model"], r["site_id"]): r["count"] for r in rows
            if r["model"] in ("STOCK-A", "LEGACY-1")}
    assert mine == {("in_stock", "STOCK-A", None): 2, ("dispatched", "STOCK-A", site.id): 1,
                    ("installed", "LEGACY-1", site.id): 1}
    sheet = load_workbook(BytesIO(store.get("/asset-plan/stock/export").data))["Stock"]
    exported = [row for row in sheet.values]
    assert exported[0] == ("State", "Model", "Site", "Count")
    assert ("in_stock", "STOCK-A", None, 2) in exported
