"""The tenant API: home, usage by band, a day in hours, history and receipts, switching one's
own supply; another tenant's ids answer 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from shared_models.models import Command, Site
from shared_models.models.accounts import ArrearsRule
from shared_models.models.commands import CommandKind, CommandState
from tests.backoffice.tenant_kit import sign_in
from tests.settlement_kit import Kit, local

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(poll_interval_s=600)
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


@pytest.fixture
def tenant(client, db, kit):
    """A tenant with one account on a TOU tariff, signed in, and their CSRF headers."""
    meter = kit.meter()
    account = kit.account(meter, balance="100.00")
    for link in account.links:  # attached before every reading the tests write
        link.attached_at -= timedelta(days=60)
    kit.tou_plan([meter])
    db.commit()
    session = sign_in(client, db, account)
    return account, meter, {"X-CSRF-Token": session["csrf_token"], "Accept-Language": "en"}


def _read_days(kit, meter, days: int, per_day: str = "10.00"):
    """A reading at 00:30 local on each of the last `days` days and now; per day, the given kWh
    split 1:2:3:4 over sharp, peak, flat and valley."""
    today = kit.ago(0).astimezone(local(kit.ago(0).date()).tzinfo).date()
    step = D(per_day)
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        n = days - back
        registers = [step * n * w / 10 for w in (1, 2, 3, 4)]
        kit.read(meter, local(day, 0, 30), str(step * n), [str(r) for r in registers])
    kit.read(meter, kit.ago(1), str(step * days), [str(step * days * w / 10) for w in (1, 2, 3, 4)])
    kit.db.commit()


def test_home_shows_balance_thresholds_tariff_and_no_days_left_without_history(client, tenant):
    account, meter, headers = tenant
    home = client.get(f"/api/v1/tenant/accounts/{account.id}", headers=headers)
    assert home.status_code == 200, home.json
    body = home.json
    assert body["balance"] == "100.00" and body["level"] == "normal"
    assert body["alarm1_threshold"] == "20.00" and body["alarm2_threshold"] == "5.00"
    assert body["days_left"] is None
    assert body["tariff"]["prices"]["valley"] == "0.3000"
    assert body["tariff"]["band_now"] in {"sharp", "peak", "flat", "valley"}
    assert body["tariff"]["price_now"] == body["tariff"]["prices"][body["tariff"]["band_now"]]
    assert body["meters"] == [{"id": meter.id, "serial_number": meter.serial_number,
                               "control_mode": "remote", "supply": "unknown", "read_at": None,
                               "meter_balance": None}]
    assert body["recharge"]["most_now"] == "2000.00" and body["supply_control"] is True


def test_home_of_a_remote_and_a_local_meter_counts_the_money_on_the_meter(client, db, kit):
    from shared_models.enums import ControlMode

    remote, on_its_own = kit.meter(), kit.meter(ControlMode.LOCAL)
    account = kit.account(remote, on_its_own, balance="30.00")
    kit.read(on_its_own, kit.ago(0) - timedelta(minutes=5), "10.00", balance="12.50")
    db.commit()
    sign_in(client, db, account)
    body = client.get(f"/api/v1/tenant/accounts/{account.id}").json
    assert (body["wallet"], body["on_meters"], body["balance"]) == ("30.00", "12.50", "42.50")
    assert body["local_mode"] is True and body["meters_read_at"] is not None
    assert [(m["id"], m["meter_balance"], m["supply"]) for m in body["meters"]] == [
        (remote.id, None, "unknown"), (on_its_own.id, "12.50", "on")]


def test_days_left_from_the_last_7_days_at_todays_prices(client, tenant, kit):
    account, meter, headers = tenant
    _read_days(kit, meter, 10)
    body = client.get(f"/api/v1/tenant/accounts/{account.id}", headers=headers).json
    # 10 kWh a day: 1 sharp, 2 peak, 3 flat, 4 valley = 1.2 + 1.8 + 1.8 + 1.2 = 6.00 a day.
    assert body["daily_cost"] == "6.00"
    assert body["days_left"] == 16  # 100.00 / 6.00
    assert body["meters"][0]["supply"] == "on"


def test_usage_by_band_for_30_days_and_12_months(client, tenant, kit):
    account, meter, headers = tenant
    _read_days(kit, meter, 10)
    days = client.get(f"/api/v1/tenant/accounts/{account.id}/usage", headers=headers).json
    assert len(days) == 30
    assert days[-2] == {"period": days[-2]["period"], "total": "10.00", "sharp": "1.00",
                        "peak": "2.00", "flat": "3.00", "valley": "4.00"}
    assert D(days[0]["total"]) == 0
    months = client.get(f"/api/v1/tenant/accounts/{account.id}/usage?granularity=month",
                        headers=headers).json
    assert len(months) == 12
    assert sum(D(m["total"]) for m in months) == D("100.00")
    assert client.get(f"/api/v1/tenant/accounts/{account.id}/usage?granularity=year",
                      headers=headers).status_code == 422


def test_a_day_in_hours(client, tenant, kit):
    account, meter, headers = tenant
    day = kit.ago(60 * 24 * 2).date()
    for hour, total in ((0, "1.00"), (1, "1.50"), (2, "2.50"), (23, "5.00")):
        kit.read(meter, local(day, hour), total)
    kit.db.commit()
    hours = client.get(f"/api/v1/tenant/accounts/{account.id}/day?day={day}", headers=headers).json
    assert len(hours) == 24
    assert [h["energy"] for h in hours[:3]] == ["0.50", "1.00", "0.00"]
    # Without readings between 02:00 and 23:00, what was used then shows in the hour before the
    # next reading: registers are not guessed between readings.
    assert hours[22]["energy"] == "2.50"
    assert sum(D(h["energy"]) for h in hours) == D("4.00")
    assert hours[1]["power_w"] == 100


def test_history_and_a_receipt(client, tenant, kit, db):
    account, _meter, headers = tenant
    kit.recharge(account, "30.00")
    db.commit()
    history = client.get(f"/api/v1/tenant/accounts/{account.id}/history", headers=headers).json
    assert [(h["kind"], h["amount"], h["balance_after"]) for h in history] == [
        ("recharge", "30.00", "130.00")]
    receipt = client.get(f"/api/v1/tenant/accounts/{account.id}/receipts/{history[0]['id']}",
                         headers=headers)
    assert receipt.status_code == 200
    assert receipt.json["receipt_number"] == history[0]["receipt_number"]
    assert receipt.json["account_number"] == account.number


def test_another_tenants_ids_answer_404(client, tenant, kit, db, make_tenant_account):
    account, _meter, headers = tenant
    stranger = make_tenant_account(phone="13900139000")
    theirs = kit.account(kit.meter(), phone="13700137000")
    sale = kit.recharge(theirs, "10.00")
    command = Command(site_id=kit.site.id, meter_id=theirs.meters[0].id, kind=CommandKind.TRIP,
                      payload={}, state=CommandState.QUEUED, expires_at=kit.ago(-10))
    db.add(command)
    db.commit()
    for path in (f"/accounts/{stranger.id}", f"/accounts/{theirs.id}/usage",
                 f"/accounts/{theirs.id}/history", f"/accounts/{account.id}/receipts/{sale.id}",
                 f"/accounts/{theirs.id}/receipts/{sale.id}",
                 f"/accounts/{account.id}/commands/{command.id}", f"/accounts/{account.id}/orders/1",
                 "/accounts/999999"):
        assert client.get(f"/api/v1/tenant{path}", headers=headers).status_code == 404, path
    assert client.post(f"/api/v1/tenant/accounts/{theirs.id}/supply",
                       json={"meter_id": theirs.meters[0].id, "on": False},
                       headers=headers).status_code == 404
    # A meter id in the body that is not the tenant's: the field is named (422), nothing issued.
    refused = client.post(f"/api/v1/tenant/accounts/{account.id}/supply",
                          json={"meter_id": theirs.meters[0].id, "on": False}, headers=headers)
    assert refused.status_code == 422 and "meter_id" in refused.json["errors"]["json"]


def test_switch_off_then_on_through_the_outbox(client, tenant, db, redis_client):
    account, meter, headers = tenant
    off = client.post(f"/api/v1/tenant/accounts/{account.id}/supply",
                      json={"meter_id": meter.id, "on": False}, headers=headers)
    assert off.status_code == 201, off.json
    assert off.json["kind"] == "trip" and off.json["state"] == "queued"
    again = client.post(f"/api/v1/tenant/accounts/{account.id}/supply",
                        json={"meter_id": meter.id, "on": True}, headers=headers)
    assert again.status_code == 409  # one switch on its way at a time
    row = db.get(Command, off.json["id"])
    row.state = CommandState.VERIFIED
    db.commit()
    on = client.post(f"/api/v1/tenant/accounts/{account.id}/supply",
                     json={"meter_id": meter.id, "on": True}, headers=headers)
    assert on.status_code == 201 and on.json["kind"] == "close"
    assert on.json["id"] != off.json["id"]
    followed = client.get(f"/api/v1/tenant/accounts/{account.id}/commands/{on.json['id']}",
                          headers=headers)
    assert followed.json["state"] == "queued"


def test_never_on_in_arrears(client, db, kit):
    meter = kit.meter()
    account = kit.account(meter)  # nothing in the wallet
    db.commit()
    session = sign_in(client, db, account)
    answer = client.post(f"/api/v1/tenant/accounts/{account.id}/supply",
                         json={"meter_id": meter.id, "on": True},
                         headers={"X-CSRF-Token": session["csrf_token"], "Accept-Language": "en"})
    assert answer.status_code == 422
    assert "recharge first" in answer.json["message"]
    assert db.scalar(select(Command.id).where(Command.meter_id == meter.id)) is None


def test_protected_supply_and_a_site_that_turned_it_off(client, tenant, db):
    account, meter, headers = tenant
    account.arrears_rule = ArrearsRule.PROTECT
    db.commit()
    body = {"meter_id": meter.id, "on": False}
    assert client.post(f"/api/v1/tenant/accounts/{account.id}/supply", json=body,
                       headers=headers).status_code == 422
    account.arrears_rule = ArrearsRule.TRIP
    db.get(Site, account.site_id).tenant_supply_control = False
    db.commit()
    refused = client.post(f"/api/v1/tenant/accounts/{account.id}/supply", json=body, headers=headers)
    assert refused.status_code == 422 and "turned off" in refused.json["message"]


def test_writes_need_the_csrf_token(client, tenant):
    account, meter, _headers = tenant
    assert client.post(f"/api/v1/tenant/accounts/{account.id}/supply",
                       json={"meter_id": meter.id, "on": False}).status_code == 403


def test_supply_requests_are_rate_limited(client, tenant, app, db):
    account, meter, headers = tenant
    app.config["TENANT_SUPPLY_REQUESTS"] = 1
    client.post(f"/api/v1/tenant/accounts/{account.id}/supply",
                json={"meter_id": meter.id, "on": False}, headers=headers)
    assert client.post(f"/api/v1/tenant/accounts/{account.id}/supply",
                       json={"meter_id": meter.id, "on": False}, headers=headers).status_code == 429
