"""The dashboard summary and the place tree: the console's first page in one call, its left pane
in another, both within the caller's sites."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from shared_models import registry
from shared_models.metering import alarms
from shared_models.metering.meter_states import state_of
from shared_models.models.accounts import ArrearsRule
from shared_models.models.metering import AlarmKind, ReadingQuality
from shared_models.types import utcnow
from tests.settlement_kit import Kit

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(alarm1_threshold=D("20.00"), alarm2_threshold=D("5.00"))
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


def summary(client, headers, **query):
    response = client.get("/api/v1/dashboard", query_string=query,
                          headers={"Accept-Language": "en", **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_meters_by_status_add_up_with_silence_first(client, auth_headers, db, kit):
    rich, low, lower, broke, silent = (kit.meter() for _ in range(5))
    kit.meter()  # never opened
    kit.account(rich, balance="100")
    kit.account(low, balance="10")
    kit.account(lower, balance="3")
    kit.account(broke)
    kit.account(silent, balance="100", arrears_rule=ArrearsRule.PROTECT)
    kit.read(silent, kit.ago(5), "1.00")
    state_of(db, silent.id).online = False
    db.commit()
    meters = summary(client, auth_headers("viewer", site_ids=[kit.site.id]))["meters"]
    assert meters == {"total": 6, "opened": 1, "alarm1": 1, "alarm2": 1, "arrears": 1,
                      "not_opened": 1, "lost_comm": 1, "protected": 1}


def test_sales_by_channel_today_and_month_are_net(desk):
    account = desk.open_account()["id"]
    desk.recharge(account, "100.00", status=201)
    desk.recharge(account, "20.00", "bank_card", status=201)
    desk.refund(account, "30.00", status=201)
    sales = {row["channel"]: row for row in summary(desk.client, desk.headers)["sales"]}
    assert sales["cash"]["today"] == sales["cash"]["month"] == "70.00"
    assert sales["bank_card"]["today"] == "20.00"


def test_energy_counts_each_rise_in_the_local_hour_it_was_read(client, admin, db, kit):
    meter = kit.meter()
    kit.account(meter, balance="100")
    first, second, third = kit.ago(50), kit.ago(20), kit.ago(2)
    kit.read(meter, first, "10.00")
    kit.read(meter, second, "12.50")
    kit.read(meter, third, "11.00", quality=ReadingQuality.REGRESSED)  # never counted
    db.commit()
    energy = summary(client, admin, site_id=kit.site.id)["energy"]
    local = second.astimezone(SHANGHAI)
    today = utcnow().astimezone(SHANGHAI).date()
    series = energy["today"] if local.date() == today else energy["yesterday"]
    assert D(series[local.hour]) == D("2.50")
    assert sum(D(x) for x in energy["today"] + energy["yesterday"]) == D("2.50")
    assert len(energy["yesterday"]) == 24
    assert len(energy["today"]) == utcnow().astimezone(SHANGHAI).hour + 1


def test_queues_count_active_alarms_lost_gateways_and_pending_refunds(client, admin, db, kit,
                                                                      desk):
    meter = kit.meter()
    alarms.raise_alarm(db, AlarmKind.GATEWAY_LOST, site_id=kit.site.id,
                       gateway_id=kit.bus.gateway_id)
    alarms.raise_alarm(db, AlarmKind.OVERLOAD, site_id=kit.site.id, meter_id=meter.id)
    db.commit()
    account = desk.open_account()["id"]
    desk.recharge(account, "900.00", status=201)
    assert desk.refund(account, "400.00", status=201).json["status"] == "pending"
    everything = summary(client, admin)
    assert everything["alarms_active"] == 2
    assert everything["gateways_lost"] == 1
    assert everything["refunds_pending"] == 1
    assert summary(client, admin, site_id=kit.site.id)["refunds_pending"] == 0


def test_other_sites_stay_out_of_an_operators_dashboard(client, auth_headers, kit, make_site):
    other = make_site()
    kit.meter()
    headers = auth_headers("operator", site_ids=[other.id])
    assert summary(client, headers)["meters"]["total"] == 0
    response = client.get("/api/v1/dashboard", query_string={"site_id": kit.site.id},
                          headers=headers)
    assert response.status_code == 404


def test_place_tree_counts_meters_per_floor_within_scope(client, auth_headers, db, kit,
                                                         make_site):
    building = registry.save_building(db, {"site_id": kit.site.id, "name": "A"})
    upper = registry.save_floor(db, {"building_id": building.id, "name": "2"})
    lower = registry.save_floor(db, {"building_id": building.id, "name": "1"})
    unit = registry.save_unit(db, {"floor_id": upper.id, "name": "201"})
    for _ in range(2):
        kit.meter().unit_id = unit.id
    kit.meter()  # not installed anywhere: counted on the site only
    hidden = make_site()
    registry.save_building(db, {"site_id": hidden.id, "name": "Elsewhere"})
    db.commit()
    response = client.get("/api/v1/places/tree",
                          headers=auth_headers("viewer", site_ids=[kit.site.id]))
    assert response.status_code == 200
    [site] = response.json
    assert (site["kind"], site["id"], site["meters"]) == ("site", kit.site.id, 3)
    [node] = site["children"]
    assert (node["kind"], node["name"], node["meters"]) == ("building", "A", 2)
    assert [(f["id"], f["meters"]) for f in node["children"]] == [(upper.id, 2), (lower.id, 0)]


def test_dashboard_needs_a_login(client):
    assert client.get("/api/v1/dashboard").status_code == 401
    assert client.get("/api/v1/places/tree").status_code == 401



def test_meter_status_filters_by_floor_for_the_monitors_tree(client, admin, db, kit):
    building = registry.save_building(db, {"site_id": kit.site.id, "name": "B"})
    first, second = (registry.save_floor(db, {"building_id": building.id, "name": name})
                     for name in ("1", "2"))
    upstairs = kit.meter()
    upstairs.unit_id = registry.save_unit(db, {"floor_id": second.id, "name": "201"}).id
    kit.meter().unit_id = registry.save_unit(db, {"floor_id": first.id, "name": "101"}).id
    db.commit()
    response = client.get("/api/v1/meter-status", query_string={"floor_id": second.id},
                          headers=admin)
    assert [row["meter_id"] for row in response.json] == [upstairs.id]
    assert client.get("/api/v1/meter-status", query_string={"floor_id": 10**6},
                      headers=admin).status_code == 404


@pytest.mark.parametrize("key", ["name", "phone", "number", "serial"])
def test_account_search_finds_by_any_key(desk, key):
    found = desk.open_account(tenant_name="Zhang San", phone="13900001111")
    other = desk.open_account(tenant_name="Li Si", phone="13800002222")
    text = {"name": "zhang", "phone": "900001", "number": found["number"],
            "serial": found["meters"][0]["serial_number"]}[key]
    hits = desk.get(f"/search/accounts?q={quote(text)}", status=200).json
    ids = [hit["id"] for hit in hits]
    assert ids[0] == found["id"]
    assert other["id"] not in ids


def test_account_search_stays_within_the_callers_sites(desk_for, make_site, money_site):
    mine = desk_for(money_site)
    theirs = desk_for(make_site())
    theirs.open_account(tenant_name="Wang Wu")
    mine.open_account(tenant_name="Wang Liu")
    hits = mine.get("/search/accounts?q=wang", status=200).json
    assert [hit["tenant_name"] for hit in hits] == ["Wang Liu"]
    assert mine.get(f"/search/accounts?q={quote('wang%')}", status=200).json == []


@pytest.mark.parametrize("text", ["", "   ", "a\x00b", "x" * 65])
def test_account_search_refuses_what_is_no_search(desk, text):
    response = desk.get(f"/search/accounts?q={quote(text)}", status=422)
    assert "q" in response.json["errors"]["query"]
