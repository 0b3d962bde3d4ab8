"""The rotation plan: who is due within the horizon, and a rotation carried out as a swap."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from shared_models.assets.lifecycle import asset_of_meter
from shared_models.assets.rotation import add_years, due_date
from shared_models.models import MeterAsset


def today() -> date:
    return datetime.now(UTC).date()  # the plan's "today" is the UTC date


@pytest.mark.parametrize("base, years, certificate, expected", [
    (date(2018, 3, 1), 8, None, (date(2026, 3, 1), "replacement")),
    (date(2018, 3, 1), 8, date(2025, 1, 1), (date(2025, 1, 1), "verification")),
    (date(2018, 3, 1), 8, date(2027, 1, 1), (date(2026, 3, 1), "replacement")),
    (date(2016, 2, 29), 10, None, (date(2026, 2, 28), "replacement")),
])
def test_due_date_is_the_sooner_of_age_and_certificate(base, years, certificate, expected):
    assert due_date(base, years, certificate) == expected
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def meters(make_gateway, make_meter, site, db):
    """Three meters of one bus installed 8 years less 10, 60 and 400 days ago."""
    bus = make_gateway(site=site).buses[0]
    eight_years_ago = add_years(today(), -8)
    made = []
    for address, days in ((1, 10), (2, 60), (3, 400)):
        meter = make_meter(bus=bus, address=address, model="WK-PM1")
        asset = asset_of_meter(db, meter.id)
        asset.installed_at = datetime.combine(eight_years_ago + timedelta(days=days), time(), UTC)
        made.append(meter)
    db.commit()
    return made


def due(store, site, horizon):
    return [(r["meter_id"], r["reason"], r["overdue"]) for r in store.get(
        "/asset-plan/rotation", query_string={"site_id": site.id, "horizon_days": horizon}).json]


def test_the_plan_lists_meters_due_within_the_horizon_soonest_first(store, site, meters):
    first, second, third = (m.id for m in meters)
    assert due(store, site, 0) == []
    assert due(store, site, 30) == [(first, "replacement", False)]
    assert due(store, site, 90) == [(first, "replacement", False), (second, "replacement", False)]
    # a model configured for 10 years is not due; a certificate's sooner date is
    store.call("PUT", "/asset-plan/models", {"name": "WK-PM1", "validity_years": 10}, status=200)
    assert due(store, site, 90) == []


def test_a_certificate_due_sooner_puts_the_meter_on_the_plan(store, site, meters, db):
    asset = db.query(MeterAsset).filter_by(meter_id=meters[2].id).one()
    asset.next_due = today() - timedelta(days=1)
    db.commit()
    assert due(store, site, 0) == [(meters[2].id, "verification", True)]


def test_the_plan_exports_to_excel(store, site, meters):
    data = store.get("/asset-plan/rotation/export",
                     query_string={"site_id": site.id, "horizon_days": 90}).data
    rows = list(load_workbook(BytesIO(data))["Rotation"].values)
    assert rows[0][:3] == ("Meter", "Serial number", "Model") and len(rows) == 3


def test_a_rotation_swaps_the_account_onto_a_dispatched_meter(store, site, meters, desk_for):
    desk = desk_for(site)
    account = desk.open_account(meters=[meters[0].id], opening_balance="50.00",
                                opening_channel="cash")
    [replacement] = store.dispatched(site.id)
    done = store.post(f"/asset-plan/rotation/meters/{meters[0].id}", {
        "new_asset_id": replacement, "old_final_reading": "4021.30",
        "new_start_reading": "0.00", "old_seals": "Q-9", "new_seals": "Q-10"}, status=201).json
    new_meter = done["asset"]["meter_id"]
    after = desk.get(f"/accounts/{account['id']}", status=200).json
    assert [m["id"] for m in after["meters"]] == [new_meter] and after["balance"] == "50.00"
    new = store.get(f"/meters/{new_meter}").json
    assert (new["bus_id"], new["address"]) == (meters[0].bus_id, 4)  # the lowest free address
    [old_asset] = store.get("/assets", query_string={"meter_id": meters[0].id}).json
    assert store.events(old_asset["id"])[-1] == ("removed", "installed", "removed", "4021.30",
                                                 done["swap_id"])
    assert [e[0] for e in store.events(replacement)][-2:] == ["installed", "commissioned"]
    assert meters[0].id not in [r[0] for r in due(store, site, 90)]


def test_a_rotation_of_a_meter_on_no_account_removes_it(store, site, meters):
    [replacement] = store.dispatched(site.id)
    done = store.post(f"/asset-plan/rotation/meters/{meters[1].id}", {
        "new_asset_id": replacement, "address": 20, "old_final_reading": "10.00",
        "new_start_reading": "0.00"}, status=201).json
    assert done["swap_id"] is None
    [old_asset] = store.get("/assets", query_string={"meter_id": meters[1].id}).json
    assert old_asset["state"] == "removed"


def test_a_rotation_needs_a_dispatched_replacement(store, site, meters):
    [shelf] = store.in_stock()
    store.post(f"/asset-plan/rotation/meters/{meters[0].id}", {
        "new_asset_id": shelf, "old_final_reading": "1.00", "new_start_reading": "0.00"},
        status=422)
    [old_asset] = store.get("/assets", query_string={"meter_id": meters[0].id}).json
    assert old_asset["state"] == "installed"
