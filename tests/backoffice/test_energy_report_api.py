"""GET /api/v1/reports/energy: kWh over a range of local days per meter, account or building,
adding up across a meter swap without counting twice; scoped; exported as a workbook."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from shared_models import registry
from shared_models.sales import accounts
from tests.settlement_kit import Kit

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 3, 10)
SWAP_DAY = DAY + timedelta(days=1)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("1.0000"), alarm1_threshold=D("20.00"),
                     alarm2_threshold=D("5.00"))
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


@pytest.fixture
def swapped(db, kit):
    """In building A: an old meter swapped for a new one on the account, and a quiet meter."""
    building = registry.save_building(db, {"site_id": kit.site.id, "name": "A"})
    floor = registry.save_floor(db, {"building_id": building.id, "name": "1"})
    unit = registry.save_unit(db, {"floor_id": floor.id, "name": "101"})
    old, new, quiet = kit.meter(), kit.meter(), kit.meter()
    for meter in (old, new, quiet):
        meter.unit_id = unit.id
    account = kit.account(old, balance="100")
    kit.read(old, at(DAY, 0), "5000.00")
    kit.read(old, at(SWAP_DAY, 8), "5010.00")
    swap = accounts.swap_meter(db, account, {"old_meter_id": old.id, "new_meter_id": new.id,
                                             "old_final_reading": D("5012.00"),
                                             "new_start_reading": D("3.00")},
                               operator_id=kit.operator.id)
    swap.swapped_at = at(SWAP_DAY, 10)
    for link in account.links:
        if link.meter_id == old.id:
            link.detached_at = swap.swapped_at
        else:
            link.attached_at = swap.swapped_at
    account.links[0].attached_at = at(DAY, 0)
    kit.read(new, at(SWAP_DAY, 20), "9.00")
    kit.read(quiet, at(DAY, 0), "7.00")
    kit.read(quiet, at(SWAP_DAY + timedelta(days=1), 0), "8.50")
    db.commit()
    return {"building": building, "old": old, "new": new, "quiet": quiet, "account": account}


def report(client, headers, status=200, **query):
    query = {"from": DAY.isoformat(), "to": SWAP_DAY.isoformat(), **query}
    response = client.get("/api/v1/reports/energy", query_string=query, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def test_meters_accounts_and_buildings_add_up_across_a_swap(client, admin, kit, swapped):
    meters = {row["meter_id"]: row for row in report(client, admin, by="meter", site_id=kit.site.id)}
    # 5000 -> 5012 on the old meter; 3 -> 9 on the new one; 7 -> 8.50 on the quiet one
    assert {meter_id: row["energy"] for meter_id, row in meters.items()} == {
        swapped["old"].id: "12.00", swapped["new"].id: "6.00", swapped["quiet"].id: "1.50"}
    assert meters[swapped["new"].id]["account_number"] == swapped["account"].number
    assert meters[swapped["new"].id]["building"] == "A"
    accounts_ = report(client, admin, by="account", site_id=kit.site.id)
    assert [(row["account_id"], row["energy"], row["meters"]) for row in accounts_] == [
        (swapped["account"].id, "18.00", 1)]
    buildings = report(client, admin, by="building", site_id=kit.site.id)
    assert [(row["building"], row["meters"], row["energy"]) for row in buildings] == [("A", 3, "19.50")]
    one_day = report(client, admin, by="building", site_id=kit.site.id,
                     **{"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert D(one_day[0]["energy"]) < D("19.50")


def test_pages_count_the_subjects(client, admin, kit, swapped):
    response = client.get("/api/v1/reports/energy", headers=admin, query_string={
        "from": DAY.isoformat(), "to": SWAP_DAY.isoformat(), "by": "meter", "site_id": kit.site.id,
        "page": 2, "page_size": 2})
    assert response.status_code == 200
    assert [row["meter_id"] for row in response.json] == [swapped["quiet"].id]
    assert '"total": 3' in response.headers["X-Pagination"]


def test_bad_ranges_name_their_field(client, admin, kit, swapped):
    assert "to" in report(client, admin, 422, **{"to": "2024-03-01"})["errors"]["json"]
    assert "from" in report(client, admin, 422, **{"from": "yesterday"})["errors"]["query"]
    assert "by" in report(client, admin, 422, by="floor")["errors"]["query"]


def test_scoped_to_the_callers_sites(client, auth_headers, kit, swapped, make_site):
    elsewhere = auth_headers("viewer", site_ids=[make_site().id])
    assert report(client, elsewhere, by="meter") == []
    assert report(client, elsewhere, by="building") == []
    report(client, elsewhere, 404, site_id=kit.site.id)
    report(client, elsewhere, 404, building_id=swapped["building"].id)
    assert client.get("/api/v1/reports/energy").status_code == 401


def test_export_is_the_same_rows(client, admin, kit, swapped):
    response = client.get("/api/v1/reports/energy/export", headers=admin, query_string={
        "from": DAY.isoformat(), "to": SWAP_DAY.isoformat(), "by": "meter", "site_id": kit.site.id})
    assert response.status_code == 200
    assert "wattkeeper-energy-meter-2024-03-10-2024-03-11.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    try:
        lines = list(book["Energy"].iter_rows(values_only=True))
    finally:
        book.close()
    assert lines[0] == ("site_code", "building", "unit", "serial_number", "account_number",
                        "tenant_name", "energy", "meter_id")
    assert {(line[3], D(str(line[6]))) for line in lines[1:]} == {
        (swapped["old"].serial_number, D("12")), (swapped["new"].serial_number, D("6")),
        (swapped["quiet"].serial_number, D("1.5"))}
