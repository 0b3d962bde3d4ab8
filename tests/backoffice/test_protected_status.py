"""Protected (保电) in the meter status list and on the dashboard: a meter is protected when its
account's arrears rule is `protect` or when the meter itself reports protect on; it is shown
and counted besides its status, and the list filters on it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from metering_worker.protocol.codes import MeterStatus
from shared_models.metering import status_list
from shared_models.metering.meter_states import record_relay
from shared_models.models.accounts import ArrearsRule
from shared_models.types import utcnow
from tests.settlement_kit import Kit

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(alarm1_threshold=D("20.00"), alarm2_threshold=D("5.00"))
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


@pytest.fixture
def meters(db, kit):
    """by_rule: an account that is never cut off; by_meter: a meter told to protect (its
    status word read back after the command) though its account may be cut off; plain."""
    by_rule, by_meter, plain, idle = (kit.meter() for _ in range(4))
    kit.account(by_rule, balance="3", arrears_rule=ArrearsRule.PROTECT)
    kit.account(by_meter)
    kit.account(plain, balance="100")
    kit.read(plain, kit.ago(5), "1.00", status=int(MeterStatus.PREPAID_ENFORCED))
    record_relay(db, by_meter.id, relay_open=False,
                 status_bits=int(MeterStatus.PROTECT | MeterStatus.EXHAUSTED), at=utcnow())
    db.commit()
    return {"by_rule": by_rule.id, "by_meter": by_meter.id, "plain": plain.id, "idle": idle.id}


def listed(client, headers, **query):
    response = client.get("/api/v1/meter-status", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["meter_id"]: row for row in response.json}


def test_the_status_bit_is_the_workers(kit):
    assert status_list.PROTECT_BIT == MeterStatus.PROTECT


def test_each_meter_says_whether_it_is_protected_besides_its_status(client, admin, kit, meters):
    rows = listed(client, admin, site_id=kit.site.id)
    assert {m: rows[m]["protected"] for m in rows} == {
        meters["by_rule"]: True, meters["by_meter"]: True, meters["plain"]: False,
        meters["idle"]: False}
    assert rows[meters["by_rule"]]["alarm_level"] == "alarm2"  # the status is still there
    assert rows[meters["by_meter"]]["alarm_level"] == "arrears"


def test_the_list_filters_on_protection_alone_and_with_a_status(client, admin, kit, meters):
    assert set(listed(client, admin, site_id=kit.site.id, protected="true")) == {
        meters["by_rule"], meters["by_meter"]}
    assert set(listed(client, admin, site_id=kit.site.id, protected="false")) == {
        meters["plain"], meters["idle"]}
    assert set(listed(client, admin, site_id=kit.site.id, protected="true",
                      status="arrears")) == {meters["by_meter"]}


def test_a_bad_protected_filter_is_refused_naming_the_field(client, admin, kit, meters):
    response = client.get("/api/v1/meter-status", query_string={"protected": "perhaps"},
                          headers=admin)
    assert response.status_code == 422
    assert "protected" in response.json["errors"]["query"]


def test_restoring_prepaid_clears_the_meters_own_protection(client, admin, db, kit, meters):
    record_relay(db, meters["by_meter"], relay_open=True,
                 status_bits=int(MeterStatus.RELAY_OPEN | MeterStatus.EXHAUSTED), at=utcnow())
    db.commit()
    assert set(listed(client, admin, site_id=kit.site.id, protected="true")) == {meters["by_rule"]}


def test_the_dashboard_counts_protected_meters_by_either_record(client, auth_headers, kit, meters):
    response = client.get("/api/v1/dashboard", query_string={"site_id": kit.site.id},
                          headers=auth_headers("viewer", site_ids=[kit.site.id]))
    assert response.status_code == 200
    counts = response.json["meters"]
    assert counts["protected"] == 2
    assert counts["total"] == 4  # protected is counted besides the statuses, not among them
    assert (counts["opened"], counts["alarm2"], counts["arrears"], counts["not_opened"]) == (1, 1, 1, 1)


def test_the_export_has_the_protected_column(client, admin, kit, meters):
    response = client.get("/api/v1/meter-status/export", query_string={"site_id": kit.site.id},
                          headers=admin)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    try:
        lines = list(workbook["Meter status"].iter_rows(values_only=True))
    finally:
        workbook.close()
    column = lines[0].index("Protected")
    assert {line[0]: line[column] for line in lines[1:]} == {
        meters["by_rule"]: "yes", meters["by_meter"]: "yes", meters["plain"]: "no",
        meters["idle"]: "no"}
