"""The registry API: CRUD, filters, pagination and the limits the real world imposes."""

import json

import pytest


def _site(client, admin, code="R1", **extra):
    response = client.post("/api/v1/sites", json={"code": code, "name": "Site", **extra}, headers=admin)
    assert response.status_code == 201, response.json
    return response.json


def test_site_defaults_and_exact_money(client, admin):
    site = _site(client, admin, default_price="0.5283", alarm1_threshold="30")
    assert site["poll_interval_s"] == 1800 and site["timezone"] == "Asia/Shanghai"
    assert site["default_price"] == "0.5283" and site["alarm1_threshold"] == "30.00"


@pytest.mark.parametrize("field,value", [
    ("default_price", "0.12345"), ("alarm1_threshold", "1.001"), ("timezone", "Mars/Base"),
    ("poll_interval_s", 30), ("code", "has space"), ("credit_cap", 1.5),
])
def test_bad_site_fields_are_named(client, admin, field, value):
    response = client.post("/api/v1/sites", json={"code": "B1", "name": "x", field: value},
                           headers={**admin, "Accept-Language": "en"})
    assert response.status_code == 422
    assert field in json.dumps(response.json["errors"])


def test_gateway_creates_buses_on_consecutive_ports(client, admin):
    site = _site(client, admin)
    gateway = client.post("/api/v1/gateways", headers=admin, json={
        "site_id": site["id"], "name": "GW", "host": "10.0.0.5", "port": 4001, "bus_count": 3}).json
    assert [(bus["number"], bus["port"]) for bus in gateway["buses"]] == [(1, 4001), (2, 4002), (3, 4003)]


def test_bus_holds_at_most_32_meters_with_unique_addresses(client, admin, make_gateway):
    bus_id = make_gateway().buses[0].id
    for address in range(1, 33):
        response = client.post("/api/v1/meters", headers=admin, json={
            "serial_number": f"B{address:04d}", "bus_id": bus_id, "address": address})
        assert response.status_code == 201
    full = client.post("/api/v1/meters", headers=admin,
                       json={"serial_number": "B0033", "bus_id": bus_id, "address": 33})
    assert full.status_code == 422 and "bus_id" in full.json["errors"]["json"]


def test_address_and_serial_must_be_unique(client, admin, make_meter):
    meter = make_meter()
    same_address = client.post("/api/v1/meters", headers=admin, json={
        "serial_number": "NEW1", "bus_id": meter.bus_id, "address": meter.address})
    assert same_address.status_code == 409 and "address" in same_address.json["errors"]["json"]
    other_bus = make_meter().bus_id
    same_serial = client.post("/api/v1/meters", headers=admin, json={
        "serial_number": meter.serial_number, "bus_id": other_bus, "address": 200})
    assert same_serial.status_code == 409


def test_meter_filters_and_pagination_headers(client, admin, make_gateway, make_meter):
    gateway = make_gateway()
    for address in range(1, 6):
        make_meter(bus=gateway.buses[0], address=address, control_mode="local")
    make_meter()
    response = client.get("/api/v1/meters", headers=admin,
                          query_string={"gateway_id": gateway.id, "page_size": 2, "page": 2})
    assert response.status_code == 200 and len(response.json) == 2
    assert json.loads(response.headers["X-Pagination"])["total"] == 5
    local = client.get("/api/v1/meters", headers=admin, query_string={"control_mode": "local"}).json
    assert {meter["control_mode"] for meter in local} == {"local"}


def test_places_hierarchy_and_delete_rules(client, admin, make_meter, db):
    site = _site(client, admin)
    building = client.post("/api/v1/buildings", headers=admin,
                           json={"site_id": site["id"], "name": "A"}).json
    floor = client.post("/api/v1/floors", headers=admin,
                        json={"building_id": building["id"], "name": "1F"}).json
    unit = client.post("/api/v1/units", headers=admin, json={"floor_id": floor["id"], "name": "101"}).json
    duplicate = client.post("/api/v1/units", headers=admin, json={"floor_id": floor["id"], "name": "101"})
    assert duplicate.status_code == 409
    refused = client.delete(f"/api/v1/floors/{floor['id']}", headers={**admin, "Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.json["message"] == "This entry is still in use and cannot be deleted."
    assert client.get(f"/api/v1/floors/{floor['id']}", headers=admin).status_code == 200  # still there
    assert client.delete(f"/api/v1/units/{unit['id']}", headers=admin).status_code == 204


def test_meter_in_a_unit_of_another_site_is_refused(client, admin, make_meter, make_site, db):
    from shared_models import registry

    other = make_site()
    building = registry.save_building(db, {"site_id": other.id, "name": "X"})
    floor = registry.save_floor(db, {"building_id": building.id, "name": "1"})
    unit = registry.save_unit(db, {"floor_id": floor.id, "name": "1"})
    db.commit()
    meter = make_meter()
    response = client.patch(f"/api/v1/meters/{meter.id}", json={"unit_id": unit.id}, headers=admin)
    assert response.status_code == 422


def test_failed_request_writes_nothing(client, admin, db):
    from sqlalchemy import func, select

    from shared_models.models import AuditEntry, Site

    before = (db.scalar(select(func.count(Site.id))), db.scalar(select(func.count(AuditEntry.id))))
    response = client.post("/api/v1/sites", headers=admin,
                           json={"code": "F1", "name": "x", "alarm1_threshold": "1.00",
                                 "alarm2_threshold": "9.00"})
    assert response.status_code == 422
    after = (db.scalar(select(func.count(Site.id))), db.scalar(select(func.count(AuditEntry.id))))
    assert after == before


def test_meters_filtered_by_the_floor_they_are_installed_on(client, admin, make_meter, db):
    from shared_models import registry
    from shared_models.models import Bus

    meter = make_meter()
    building = registry.save_building(db, {"site_id": meter.site_id, "name": "F"})
    floors = [registry.save_floor(db, {"building_id": building.id, "name": name})
              for name in ("1F", "2F")]
    units = [registry.save_unit(db, {"floor_id": floor.id, "name": "01"}) for floor in floors]
    meter.unit_id = units[1].id
    db.commit()
    make_meter(bus=db.get(Bus, meter.bus_id))  # on the same bus, not installed anywhere
    upstairs = client.get("/api/v1/meters", headers=admin, query_string={"floor_id": floors[1].id})
    assert [row["id"] for row in upstairs.json] == [meter.id]
    assert client.get("/api/v1/meters", headers=admin,
                      query_string={"floor_id": floors[0].id}).json == []
    both = client.get("/api/v1/meters", headers=admin,
                      query_string={"floor_id": floors[1].id, "building_id": building.id})
    assert [row["id"] for row in both.json] == [meter.id]
