"""Remote-control API: issue one command or a batch, follow them; permissions, scoping, 422s."""

from __future__ import annotations

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from metering_worker import transport
from shared_models.assets import lifecycle
from shared_models.models import AuditEntry, Command
from shared_models.models.assets import EventKind


@pytest.fixture
def bus(make_gateway):
    return make_gateway().buses[0]


def post(client, headers, path, body, *, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1{path}", headers={**headers, **extra}, json=body)


def test_issue_commits_the_row_then_announces_its_bus(client, admin, make_meter, bus, db, redis_client):
    meter = make_meter(bus)
    response = post(client, admin, f"/meters/{meter.id}/commands", {"kind": "trip"})
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["state"], body["kind"], body["meter_id"]) == ("queued", "trip", meter.id)
    assert body["sequence"] == 1
    assert db.get(Command, body["id"]).state == "queued"
    assert transport.has_due_commands(redis_client, bus.id)
    jobs = Queue("commands", connection=redis_client, serializer=JSONSerializer).jobs
    assert [(j.func_name, j.args) for j in jobs] == [
        ("metering_worker.jobs.commands.run_bus_commands", [bus.id])]


def test_issue_is_in_the_system_log_with_the_operator(client, admin, make_meter, bus, db):
    meter = make_meter(bus)
    command_id = post(client, admin, f"/meters/{meter.id}/commands", {"kind": "protect"}).json["id"]
    entries = db.query(AuditEntry).filter_by(entity="commands", entity_id=str(command_id)).all()
    assert entries and entries[0].actor_id is not None and entries[0].after["kind"] == "protect"


def test_close_mode_and_settings_are_completed_when_queued(client, admin, make_meter, bus):
    local = make_meter(bus, control_mode="local")
    remote = make_meter(bus, control_mode="remote")
    assert post(client, admin, f"/meters/{local.id}/commands", {"kind": "close"}).json["payload"] == {
        "mode": "allowed"}
    assert post(client, admin, f"/meters/{remote.id}/commands", {"kind": "close"}).json["payload"] == {
        "mode": "now"}
    pushed = post(client, admin, f"/meters/{local.id}/commands",
                  {"kind": "push_settings", "payload": {"overdraft_limit": "12.50"}}).json["payload"]
    assert pushed == {"alarm_1": "20.00", "alarm_2": "5.00", "overdraft_limit": "12.50",
                      "close_allowed": "0.00", "overload_limit_w": 8000, "overload_delay_s": 10,
                      "reclose_minutes": 5}


def test_push_tariff_without_a_table_takes_the_meters_tariff(client, admin, make_meter, bus):
    meter = make_meter(bus)
    issued = post(client, admin, f"/meters/{meter.id}/commands", {"kind": "push_tariff"})
    table = issued.json["payload"]["table"]
    assert table["prices"] == ["0.6000"] * 4  # the site's default flat price on every rate
    assert table["day_plans"] == [[{"hour": 0, "minute": 0, "rate": 3}]] * 2


@pytest.mark.parametrize("body, field", [
    ({"kind": "explode"}, "kind"),
    ({"kind": "trip", "payload": {"force": True}}, "payload.force"),
    ({"kind": "close", "payload": {"mode": "later"}}, "payload.mode"),
    ({"kind": "push_settings", "payload": {"alarm_1": "1.001"}}, "payload.alarm_1"),
    ({"kind": "push_settings", "payload": {"alarm_1": "2.00", "alarm_2": "9.00"}}, "payload.alarm_1"),
    ({"kind": "push_settings", "payload": {"overload_delay_s": 70000}}, "payload.overload_delay_s"),
    ({"kind": "push_tariff", "payload": {"table": {"prices": []}}}, "payload.table"),
    ({"kind": "recharge", "payload": {"amount": "10.00"}}, "kind"),
    ({"kind": "trip", "ttl_s": 1}, "ttl_s"),
])
def test_bad_commands_are_422_and_queue_nothing(client, admin, make_meter, bus, db, redis_client,
                                                body, field):
    meter = make_meter(bus)
    response = post(client, admin, f"/meters/{meter.id}/commands", body)
    assert response.status_code == 422, response.json
    assert field in str(response.json)
    assert db.query(Command).filter_by(meter_id=meter.id).count() == 0
    assert not transport.has_due_commands(redis_client, bus.id)


def test_permissions(client, auth_headers, make_meter, bus):
    meter = make_meter(bus)
    for role in ("viewer", "auditor", "finance"):
        headers = auth_headers(role)
        assert post(client, headers, f"/meters/{meter.id}/commands", {"kind": "trip"}).status_code == 403
        assert client.get("/api/v1/commands", headers=headers).status_code == 200
    operator = auth_headers("operator")
    assert post(client, operator, f"/meters/{meter.id}/commands", {"kind": "trip"}).status_code == 201
    assert client.post(f"/api/v1/meters/{meter.id}/commands", json={"kind": "trip"}).status_code == 401


def test_operators_see_and_command_only_their_sites(client, auth_headers, make_meter, make_gateway,
                                                    make_site):
    mine, theirs = make_site(), make_site()
    my_meter = make_meter(make_gateway(mine).buses[0])
    their_meter = make_meter(make_gateway(theirs).buses[0])
    admin, scoped = auth_headers("admin"), auth_headers("operator", site_ids=[mine.id])
    their_command = post(client, admin, f"/meters/{their_meter.id}/commands", {"kind": "trip"}).json["id"]
    assert post(client, scoped, f"/meters/{their_meter.id}/commands", {"kind": "trip"}).status_code == 404
    assert client.get(f"/api/v1/commands/{their_command}", headers=scoped).status_code == 404
    post(client, scoped, f"/meters/{my_meter.id}/commands", {"kind": "trip"})
    listed = client.get("/api/v1/commands", headers=scoped).json
    assert {c["meter_id"] for c in listed} == {my_meter.id}


def test_list_filters_and_pages(client, admin, make_meter, bus):
    a, b = make_meter(bus), make_meter(bus)
    for meter, kind in ((a, "trip"), (a, "protect"), (b, "trip")):
        post(client, admin, f"/meters/{meter.id}/commands", {"kind": kind})
    trips = client.get(f"/api/v1/commands?kind=trip&site_id={a.site_id}", headers=admin)
    assert {c["meter_id"] for c in trips.json} == {a.id, b.id}
    assert len(client.get(f"/api/v1/commands?meter_id={a.id}&state=queued", headers=admin).json) == 2
    page = client.get(f"/api/v1/commands?meter_id={a.id}&page_size=1", headers=admin)
    assert len(page.json) == 1 and '"total": 2' in page.headers["X-Pagination"]


def test_idempotency_key_queues_once(client, admin, make_meter, bus, db):
    meter = make_meter(bus)
    first = post(client, admin, f"/meters/{meter.id}/commands", {"kind": "trip"}, key="trip-0001")
    again = post(client, admin, f"/meters/{meter.id}/commands", {"kind": "trip"}, key="trip-0001")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    assert db.query(Command).filter_by(meter_id=meter.id).count() == 1
    other = post(client, admin, f"/meters/{meter.id}/commands", {"kind": "protect"}, key="trip-0001")
    assert other.status_code == 422


def test_batch_gives_one_result_per_meter(client, admin, make_meter, bus, db, redis_client):
    good, retired = make_meter(bus), make_meter(bus)
    # the retired meter's device is taken down and scrapped (approved by a second person)
    asset = lifecycle.asset_of_meter(db, retired.id)
    for event in (EventKind.REMOVED, EventKind.SCRAPPED):
        lifecycle.record(db, asset, event, operator_id=None)
    db.commit()
    response = post(client, admin, "/command-batches",
                    {"kind": "trip", "meter_ids": [good.id, retired.id, 999_999]}, key="batch-1")
    assert response.status_code == 201, response.json
    batch = response.json
    rows = {r["meter_id"]: r for r in batch["rows"]}
    assert rows[good.id]["state"] == "queued" and rows[good.id]["error"] == ""
    assert rows[retired.id]["state"] == "failed" and "scrapped" in rows[retired.id]["error"]
    assert rows[999_999] == {"meter_id": 999_999, "command_id": None, "state": "refused",
                             "error": "No such meter."}
    assert batch["counts"] == {"queued": 1, "failed": 1, "refused": 1}
    assert transport.announced_ids(redis_client, bus.id) == [rows[good.id]["command_id"]]
    followed = client.get(f"/api/v1/command-batches/{batch['id']}", headers=admin).json
    assert followed["counts"] == {"queued": 1, "failed": 1}
    listed = client.get(f"/api/v1/commands?batch_id={batch['id']}", headers=admin).json
    assert {c["meter_id"] for c in listed} == {good.id, retired.id}


def test_batch_by_site_and_building(client, admin, make_meter, make_gateway, make_site, db):
    from shared_models.registry import save_building, save_floor, save_unit

    site = make_site()
    bus = make_gateway(site).buses[0]
    building = save_building(db, {"site_id": site.id, "name": "A"})
    floor = save_floor(db, {"building_id": building.id, "name": "1F"})
    unit = save_unit(db, {"floor_id": floor.id, "name": "101"})
    db.commit()
    inside = make_meter(bus, unit_id=unit.id)
    outside = make_meter(bus)
    whole = post(client, admin, "/command-batches", {"kind": "clock_sync", "site_id": site.id}).json
    assert {r["meter_id"] for r in whole["rows"]} == {inside.id, outside.id}
    one = post(client, admin, "/command-batches",
               {"kind": "clock_sync", "site_id": site.id, "building_id": building.id}).json
    assert [r["meter_id"] for r in one["rows"]] == [inside.id]


@pytest.mark.parametrize("body", [
    {"kind": "trip"},
    {"kind": "trip", "meter_ids": [1], "site_id": 1},
    {"kind": "trip", "meter_ids": []},
    {"kind": "push_settings", "meter_ids": [1], "payload": {"alarm_1": "x"}},
])
def test_bad_batches_are_422(client, admin, body):
    assert post(client, admin, "/command-batches", body).status_code == 422


def test_batch_of_a_site_outside_scope_reads_as_an_unknown_site(client, auth_headers, make_site):
    mine, theirs = make_site(), make_site()
    scoped = auth_headers("operator", site_ids=[mine.id])
    outside = post(client, scoped, "/command-batches", {"kind": "trip", "site_id": theirs.id})
    unknown = post(client, scoped, "/command-batches", {"kind": "trip", "site_id": 2**31 - 2})
    assert outside.status_code == 422 and "site_id" in outside.json["errors"]["json"]
    assert outside.json == unknown.json


def test_batch_refuses_unknown_and_out_of_scope_ids_alike(client, auth_headers, make_meter, make_gateway,
                                                          make_site):
    mine, theirs = make_site(), make_site()
    my_meter = make_meter(make_gateway(mine).buses[0])
    their_meter = make_meter(make_gateway(theirs).buses[0])
    scoped = auth_headers("operator", site_ids=[mine.id])
    batch = post(client, scoped, "/command-batches",
                 {"kind": "trip", "meter_ids": [my_meter.id, their_meter.id, 999_999]}).json
    rows = {r["meter_id"]: r for r in batch["rows"]}
    refused = {"command_id": None, "state": "refused", "error": "No such meter."}
    assert rows[their_meter.id] == {"meter_id": their_meter.id, **refused}
    assert rows[999_999] == {"meter_id": 999_999, **refused}
    assert batch["counts"] == {"queued": 1, "refused": 2}


def test_command_follows_to_verified(client, admin, make_meter, bus, db):
    meter = make_meter(bus)
    command_id = post(client, admin, f"/meters/{meter.id}/commands", {"kind": "trip"}).json["id"]
    row = db.get(Command, command_id)
    row.state, row.result_code = "verified", 0
    db.commit()
    shown = client.get(f"/api/v1/commands/{command_id}", headers=admin).json
    assert (shown["state"], shown["result"]) == ("verified", "OK")


def test_list_by_account_holds_its_meters_commands_while_attached(client, admin, make_meter, bus, db):
    mine, other = make_meter(bus), make_meter(bus)
    account = client.post("/api/v1/accounts", headers=admin, json={
        "site_id": mine.site_id, "tenant_name": "Commands tenant", "meter_ids": [mine.id]}).json
    before = db.get(Command, post(client, admin, f"/meters/{other.id}/commands", {"kind": "trip"}).json["id"])
    on_mine = post(client, admin, f"/meters/{mine.id}/commands", {"kind": "trip"}).json["id"]
    listed = client.get(f"/api/v1/commands?account_id={account['id']}", headers=admin).json
    assert [c["id"] for c in listed] == [on_mine]
    assert before.meter_id == other.id  # the other meter's command is not the account's
    missing = client.get("/api/v1/commands?account_id=999999", headers=admin)
    assert missing.status_code == 404
