"""Meter status list, energy per local day and month, alarms and their acknowledgement."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shared_models import registry
from shared_models.metering import alarms
from shared_models.models.audit import AuditEntry
from shared_models.models.metering import AlarmKind
from shared_models.sales import accounts
from tests.settlement_kit import Kit

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 3, 10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("1.0000"), alarm1_threshold=D("20.00"),
                     alarm2_threshold=D("5.00"))
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


@pytest.fixture
def unit(db, kit):
    building = registry.save_building(db, {"site_id": kit.site.id, "name": "A"})
    floor = registry.save_floor(db, {"building_id": building.id, "name": "1"})
    return registry.save_unit(db, {"floor_id": floor.id, "name": "101"})


def rows(client, headers, **query):
    response = client.get("/api/v1/meter-status", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["meter_id"]: row for row in response.json}


def test_status_list_filters_by_status_and_building(client, admin, db, kit, unit):
    rich, poor, idle, lost = (kit.meter() for _ in range(4))
    rich.unit_id = unit.id
    kit.account(rich, balance="100")
    poor_account = kit.account(poor, balance="3")
    kit.account(lost, balance="100")
    kit.read(rich, kit.ago(5), "12.34")
    kit.read(lost, kit.ago(5), "1.00")
    from shared_models.metering.meter_states import state_of

    state_of(db, lost.id).online = False
    db.commit()
    everything = rows(client, admin, site_id=kit.site.id)
    assert set(everything) == {rich.id, poor.id, idle.id, lost.id}
    assert everything[rich.id]["total_energy"] == "12.34"
    assert everything[rich.id]["balance"] == "100.00"
    assert everything[rich.id]["building"] == "A"
    assert everything[poor.id]["alarm_level"] == "alarm2"
    assert set(rows(client, admin, site_id=kit.site.id, status="alarm2")) == {poor.id}
    assert set(rows(client, admin, site_id=kit.site.id, status="not_opened")) == {idle.id}
    assert set(rows(client, admin, site_id=kit.site.id, status="lost_comm")) == {lost.id}
    assert set(rows(client, admin, site_id=kit.site.id, status="opened")) == {rich.id, poor.id, lost.id}
    assert set(rows(client, admin, building_id=unit.floor.building_id)) == {rich.id}
    assert set(rows(client, admin, account_id=poor_account.id)) == {poor.id}
    assert client.get("/api/v1/meter-status?account_id=999999", headers=admin).status_code == 404


def test_status_is_scoped_to_the_operators_sites(client, auth_headers, db, kit, make_site):
    kit.meter()
    db.commit()
    other = make_site()
    headers = auth_headers("viewer", site_ids=[other.id])
    assert rows(client, headers) == {}
    response = client.get("/api/v1/meter-status", query_string={"site_id": kit.site.id},
                          headers=headers)
    assert response.status_code == 404


def test_status_export_is_a_workbook_of_the_same_rows(client, admin, db, kit):
    meter = kit.meter()
    kit.account(meter, balance="3")
    db.commit()
    response = client.get("/api/v1/meter-status/export", query_string={"site_id": kit.site.id},
                          headers=admin)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True)["Meter status"]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0] == "Meter" and lines[1][0] == meter.id and lines[1][-1] == "alarm2"


def energy(client, headers, path, **query):
    response = client.get(f"/api/v1/{path}/energy", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_energy_per_day_is_cut_at_local_midnight(client, admin, db, kit):
    meter = kit.meter()
    kit.read(meter, at(DAY, 22), "100.00")
    kit.read(meter, at(DAY + timedelta(days=1), 2), "104.00")  # 2 kWh each side of midnight
    kit.read(meter, at(DAY + timedelta(days=1), 12), "110.00")
    db.commit()
    body = energy(client, admin, f"meters/{meter.id}", granularity="day",
                  **{"from": DAY.isoformat(), "to": (DAY + timedelta(days=2)).isoformat()})
    assert body["timezone"] == "Asia/Shanghai"
    assert [(r["period"], r["energy"]) for r in body["rows"]] == [
        ("2024-03-10", "2.00"), ("2024-03-11", "8.00"), ("2024-03-12", "0.00")]
    assert body["total"] == "10.00"
    months = energy(client, admin, f"meters/{meter.id}", granularity="month",
                    **{"from": "2024-02-01", "to": "2024-03-31"})
    assert [(r["period"], r["energy"]) for r in months["rows"]] == [
        ("2024-02-01", "0.00"), ("2024-03-01", "10.00")]


def test_energy_carries_on_across_a_swap_without_a_negative_step(client, admin, db, kit):
    old, new = kit.meter(), kit.meter()
    account = kit.account(old, balance="100")
    swap_day = DAY + timedelta(days=1)
    kit.read(old, at(DAY, 12), "5000.00")
    kit.read(old, at(swap_day, 8), "5010.00")
    swap = accounts.swap_meter(db, account, {"old_meter_id": old.id, "new_meter_id": new.id,
                                             "old_final_reading": D("5012.00"),
                                             "new_start_reading": D("3.00")},
                               operator_id=kit.operator.id)
    swap.swapped_at = at(swap_day, 10)
    for link in account.links:  # the links follow the swap's time
        if link.meter_id == old.id:
            link.detached_at = swap.swapped_at
        else:
            link.attached_at = swap.swapped_at
    account.links[0].attached_at = at(DAY, 0)
    kit.read(new, at(swap_day, 20), "9.00")
    db.commit()
    query = {"from": DAY.isoformat(), "to": swap_day.isoformat()}
    for path in (f"meters/{new.id}", f"accounts/{account.id}"):
        body = energy(client, admin, path, **query)
        days = [D(r["energy"]) for r in body["rows"]]
        assert all(d >= 0 for d in days)
        # 5000 -> 5012 on the old meter, then 3 -> 9 on the new one
        assert body["total"] == "18.00", (path, body)


def test_alarms_list_acknowledge_and_export(client, admin, auth_headers, db, kit):
    meter = kit.meter()
    alarm, _ = alarms.raise_alarm(db, AlarmKind.OVERLOAD, site_id=kit.site.id, meter_id=meter.id)
    cleared, _ = alarms.raise_alarm(db, AlarmKind.LOST_COMM, site_id=kit.site.id, meter_id=meter.id)
    alarms.clear_alarm(db, AlarmKind.LOST_COMM, meter_id=meter.id)
    db.commit()
    listed = client.get("/api/v1/alarms", query_string={"site_id": kit.site.id, "active": "true"},
                        headers=admin).json
    assert [a["id"] for a in listed] == [alarm.id] and listed[0]["active"] is True
    kinds = client.get("/api/v1/alarms", query_string={"site_id": kit.site.id, "kind": "lost_comm"},
                       headers=admin).json
    assert [a["id"] for a in kinds] == [cleared.id]
    viewer = auth_headers("viewer")
    assert client.post(f"/api/v1/alarms/{alarm.id}/acknowledge", headers=viewer).status_code == 403
    first = client.post(f"/api/v1/alarms/{alarm.id}/acknowledge", headers=admin)
    assert first.status_code == 200 and first.json["acknowledged_at"] and first.json["active"]
    again = client.post(f"/api/v1/alarms/{alarm.id}/acknowledge", headers=admin)
    assert again.json["acknowledged_at"] == first.json["acknowledged_at"]
    logged = db.scalars(select(AuditEntry).where(AuditEntry.action == "acknowledge",
                                                 AuditEntry.entity == "alarms")).all()
    assert len(logged) == 1
    export = client.get("/api/v1/alarms/export", query_string={"site_id": kit.site.id},
                        headers=admin)
    sheet = load_workbook(io.BytesIO(export.data), read_only=True)["Alarms"]
    assert len(list(sheet.iter_rows(values_only=True))) == 3


def test_alarms_are_scoped(client, auth_headers, db, kit, make_site):
    meter = kit.meter()
    alarm, _ = alarms.raise_alarm(db, AlarmKind.OVERLOAD, site_id=kit.site.id, meter_id=meter.id)
    db.commit()
    headers = auth_headers("operator", site_ids=[make_site().id])
    assert client.get("/api/v1/alarms", headers=headers).json == []
    assert client.post(f"/api/v1/alarms/{alarm.id}/acknowledge", headers=headers).status_code == 404


def test_a_counter_top_up_closes_the_tripped_relay_and_tells_its_bus(client, admin, db, kit,
                                                                     redis_client):
    from metering_worker.transport import due_key
    from shared_models.models.commands import CommandKind, CommandState

    meter = kit.meter()
    account = kit.account(meter, balance="1")
    kit.read(meter, kit.ago(20), "0.00")
    kit.read(meter, kit.ago(15), "3.00")
    kit.settle(meter)
    (trip,) = kit.commands(meter)
    kit.finish(trip, CommandState.VERIFIED, kit.ago(12))
    kit.read(meter, kit.ago(10), "3.00", relay_open=True)
    kit.settle(meter)
    db.commit()
    assert client.post("/api/v1/shifts", json={"site_id": kit.site.id}, headers=admin).status_code == 201
    sale = client.post("/api/v1/sales/recharges", headers=admin,
                       json={"account_id": account.id, "amount": "20.00", "channel": "cash"})
    assert sale.status_code == 201, sale.get_data(as_text=True)
    close = kit.commands(meter)[-1]
    assert close.kind == CommandKind.CLOSE
    assert redis_client.zscore(due_key(meter.bus_id), str(close.id)) is not None
