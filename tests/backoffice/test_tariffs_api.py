"""Tariffs through the API: plans, drafts, publishing, assignment, dry run and its export."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from shared_models.models.metering import ReadingQuality
from tests.shared_models.test_tariff_store import TOU, open_since, read

SHANGHAI = ZoneInfo("Asia/Shanghai")
FLAT = {"prices": {"flat": "0.5000"}}


def soon(days: int = 3) -> str:
    return (datetime.now(SHANGHAI).date() + timedelta(days=days)).isoformat()


class Api:
    def __init__(self, client, headers):
        self.client, self.headers = client, {"Accept-Language": "en", **headers}

    def call(self, method: str, path: str, json=None, status: int | None = None, **kwargs):
        response = self.client.open(f"/api/v1/tariffs{path}", method=method, json=json,
                                    headers=self.headers, **kwargs)
        if status is not None:
            assert response.status_code == status, response.get_data(as_text=True)
        return response

    def plan(self, site_id: int, code: str = "TOU") -> dict:
        return self.call("POST", "/plans", {"site_id": site_id, "code": code, "name": code},
                         status=201).json

    def draft(self, plan_id: int, tariff=None, effective_from=None, note="", **kwargs):
        body = {"effective_from": effective_from or soon(), "tariff": tariff or FLAT, "note": note}
        return self.call("POST", f"/plans/{plan_id}/versions", body, **kwargs)


@pytest.fixture
def site(make_site):
    return make_site(default_price=Decimal("0.6000"))


@pytest.fixture
def as_role(client, auth_headers, site):
    return lambda role="admin", sites=None: Api(client, auth_headers(role, site_ids=sites))


@pytest.fixture
def finance(as_role):
    return as_role("finance")


def test_draft_publish_and_publish_again(finance, site):
    plan = finance.plan(site.id)
    draft = finance.draft(plan["id"], TOU, note="2026 TOU", status=201).json
    assert draft["status"] == "draft" and draft["tariff"]["prices"]["valley"] == "0.3000"
    first = finance.call("POST", f"/versions/{draft['id']}/publish", status=200).json
    again = finance.call("POST", f"/versions/{draft['id']}/publish", status=200).json
    assert first["status"] == "published" and again["published_at"] == first["published_at"]
    assert first["published_by_id"] is not None
    finance.call("PATCH", f"/versions/{draft['id']}", {"note": "changed"}, status=409)
    finance.call("DELETE", f"/versions/{draft['id']}", status=409)
    listed = finance.call("GET", f"/plans/{plan['id']}/versions", status=200).json
    assert [v["id"] for v in listed] == [draft["id"]]


def test_drafts_are_edited_and_deleted(finance, site):
    draft = finance.draft(finance.plan(site.id)["id"], status=201).json
    changed = finance.call("PATCH", f"/versions/{draft['id']}", {"tariff": TOU}, status=200).json
    assert changed["tariff"]["time_of_use"] is not None
    finance.call("DELETE", f"/versions/{draft['id']}", status=204)
    finance.call("GET", f"/versions/{draft['id']}", status=404)


@pytest.mark.parametrize(("tariff", "field", "words"), [
    ({"prices": {"flat": "0.5", "dusk": "0.1"}}, "tariff.prices.dusk", "unknown band"),
    ({**TOU, "time_of_use": {"day_plan": [["00:00", "12:00", "peak"], ["11:00", "24:00", "flat"]]}},
     "tariff.time_of_use.day_plan", "overlap"),
    ({"prices": {"flat": "0.5"}, "tiers": {"period": "month", "blocks": [
        {"up_to": "200", "increment": "0"}, {"up_to": "150", "increment": "0.1"},
        {"up_to": None, "increment": "0.3"}]}}, "tariff.tiers.blocks[1].up_to", "increase"),
])
def test_bad_tariffs_are_422_with_the_field_path(finance, site, tariff, field, words):
    plan = finance.plan(site.id)
    body = finance.draft(plan["id"], tariff, status=422).json
    assert list(body["errors"]["json"]) == [field]
    assert words in body["message"]
    assert finance.call("GET", f"/plans/{plan['id']}/versions", status=200).json == []


def test_publishing_in_the_past_is_refused(finance, site):
    plan = finance.plan(site.id)
    draft = finance.draft(plan["id"], effective_from="2020-01-01", status=201).json
    body = finance.call("POST", f"/versions/{draft['id']}/publish", status=422).json
    assert body["message"] == "A tariff cannot take effect in the past (2020-01-01)."
    assert list(body["errors"]["json"]) == ["effective_from"]
    versions = finance.call("GET", f"/plans/{plan['id']}/versions", status=200).json
    assert [(v["status"], v["published_at"]) for v in versions] == [("draft", None)]  # nothing written


@pytest.mark.parametrize("role", ["viewer", "operator", "auditor"])
def test_only_admin_and_finance_write_and_publish(as_role, finance, site, role):
    plan = finance.plan(site.id)
    draft = finance.draft(plan["id"], status=201).json
    other = as_role(role)
    other.call("GET", f"/plans/{plan['id']}", status=200)
    other.call("POST", f"/versions/{draft['id']}/publish", status=403)
    other.draft(plan["id"], status=403)
    other.call("PUT", f"/assignments/sites/{site.id}", {"plan_id": plan["id"]}, status=403)
    as_role("admin").call("POST", f"/versions/{draft['id']}/publish", status=200)


def test_plans_are_scoped_to_the_operators_sites(as_role, finance, site, make_site):
    plan = finance.plan(site.id)
    outsider = as_role("finance", [make_site().id])
    outsider.call("GET", f"/plans/{plan['id']}", status=404)
    assert outsider.call("GET", "/plans", status=200).json == []
    outsider.call("POST", "/plans", {"site_id": site.id, "code": "X", "name": "X"}, status=422)


def test_assign_in_batch_and_as_site_default(finance, site, make_gateway, make_meter):
    bus = make_gateway(site=site).buses[0]
    meters = [make_meter(bus=bus).id for _ in range(3)]
    base, special = finance.plan(site.id, "BASE"), finance.plan(site.id, "SPECIAL")
    for plan in (base, special):
        draft = finance.draft(plan["id"], effective_from=soon(0), status=201).json
        finance.call("POST", f"/versions/{draft['id']}/publish", status=200)
    finance.call("PUT", f"/assignments/sites/{site.id}", {"plan_id": base["id"]}, status=200)
    answer = finance.call("PUT", "/assignments/meters",
                          {"plan_id": special["id"], "meter_ids": meters[:2]}, status=200).json
    assert answer == [{"meter_id": m, "plan_id": special["id"]} for m in meters[:2]]
    sources = [finance.call("GET", f"/meters/{m}", status=200).json for m in meters]
    assert [(s["source"], s["plan_id"]) for s in sources] == [
        ("meter", special["id"]), ("meter", special["id"]), ("site", base["id"])]
    assert sources[2]["tariff"]["versions"][-1]["tariff"]["prices"] == {"flat": "0.5000"}
    finance.call("PUT", "/assignments/meters", {"plan_id": None, "meter_ids": meters[:1]},
                 status=200)
    finance.call("PUT", f"/assignments/sites/{site.id}", {"plan_id": None}, status=200)
    assert finance.call("GET", f"/meters/{meters[0]}", status=200).json["source"] == "default_price"
    listed = finance.call("GET", "/assignments", query_string={"site_id": site.id}, status=200).json
    assert [(a["meter_id"], a["plan_id"]) for a in listed] == [(meters[1], special["id"])]
    finance.call("PUT", "/assignments/meters", {"plan_id": base["id"], "meter_ids": [meters[0], 0]},
                 status=422)
    finance.call("PUT", "/assignments/meters", {"plan_id": base["id"], "meter_ids": [2**31 - 2]},
                 status=422)


@pytest.fixture
def march(db, site, make_gateway, make_meter):
    bus = make_gateway(site=site).buses[0]
    a, b = make_meter(bus=bus), make_meter(bus=bus)
    first, second = open_since(db, site, [a.id], "甲"), open_since(db, site, [b.id], "乙")
    read(db, a.id, datetime(2026, 3, 2, 0, tzinfo=SHANGHAI), "100.00")
    read(db, a.id, datetime(2026, 3, 2, 8, tzinfo=SHANGHAI), "110.00")
    read(db, a.id, datetime(2026, 3, 2, 12, tzinfo=SHANGHAI), "130.00")
    read(db, b.id, datetime(2026, 3, 5, 22, tzinfo=SHANGHAI), "0.00")
    read(db, b.id, datetime(2026, 3, 6, 0, tzinfo=SHANGHAI), "4.00")
    read(db, b.id, datetime(2026, 3, 6, 1, tzinfo=SHANGHAI), "9.00", ReadingQuality.CLOCK_DRIFT)
    db.commit()
    return first, second


def test_dry_run_as_a_list(finance, site, march):
    draft = finance.draft(finance.plan(site.id)["id"], TOU, status=201).json
    rows = finance.call("GET", f"/versions/{draft['id']}/dry-run", query_string={"month": "2026-03"},
                        status=200).json
    # Hand-computed in tests/shared_models/test_tariff_store.py (same readings, same tariff).
    assert [(r["account_number"], r["tenant_name"], r["kwh"], r["old_cost"], r["new_cost"],
             r["difference"]) for r in rows] == [
        (march[0].number, "甲", "30.00", "18.00", "20.25", "2.25"),
        (march[1].number, "乙", "4.00", "2.40", "1.80", "-0.60"),
    ]
    finance.call("GET", f"/versions/{draft['id']}/dry-run", query_string={"month": "2026-13"},
                 status=422)
    assert finance.call("GET", f"/versions/{draft['id']}/dry-run", status=200).json == []


def test_dry_run_export(as_role, finance, site, march):
    draft = finance.draft(finance.plan(site.id)["id"], TOU, status=201).json
    response = as_role("viewer").call("GET", f"/versions/{draft['id']}/dry-run/export",
                                      query_string={"month": "2026-03"}, status=200)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = [list(r) for r in book["Dry run"].iter_rows(values_only=True)]
    assert rows[0] == ["account_number", "tenant_name", "kwh", "old_cost", "new_cost", "difference"]
    assert [[Decimal(str(v)) for v in r[2:]] for r in rows[1:]] == [
        [Decimal(v) for v in ("30", "18", "20.25", "2.25")],
        [Decimal(v) for v in ("4", "2.4", "1.8", "-0.6")],
        [Decimal(v) for v in ("34", "20.4", "22.05", "1.65")]]
    assert [r[:2] for r in rows[1:]] == [[march[0].number, "甲"], [march[1].number, "乙"],
                                         ["TOTAL", None]]
    notes = {r[0]: r[1] for r in book["Instructions"].iter_rows(values_only=True)}
    assert notes["month"] == "2026-03" and notes["status"] == "draft"
    assert date.fromisoformat(notes["effective_from"]) > date(2026, 1, 1)


def test_errors_read_in_chinese(finance, site):
    plan = finance.plan(site.id)
    finance.headers["Accept-Language"] = "zh-CN"
    body = finance.draft(plan["id"], {"prices": {"flat": "-1"}}, status=422).json
    assert body["message"].startswith("电价方案在 tariff.prices.flat 处无效")
    finance.call("POST", "/plans", {"site_id": site.id, "code": plan["code"], "name": "again"},
                 status=409)
