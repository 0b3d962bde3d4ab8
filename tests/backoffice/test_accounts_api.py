"""Tenant accounts through the API: opening, meters, thresholds, swap and closing."""

from decimal import Decimal

D = Decimal


def test_open_account_takes_site_defaults_and_opens_its_meters(desk, client):
    account = desk.open_account(meters=2, phone="13800000000")
    assert account["number"] == f"{desk.site.code}-000001"
    assert account["balance"] == "0.00" and account["status"] == "open"
    assert account["alarm1_threshold"] == "20.00" and account["arrears_rule"] == "trip"
    assert {m["status"] for m in account["meters"]} == {"opened"}
    assert desk.open_account()["number"] == f"{desk.site.code}-000002"


def test_a_meter_serves_one_account_and_one_site(desk, desk_for, make_site):
    first = desk.open_account()
    taken = first["meters"][0]["id"]
    response = desk.open_account(meters=[taken], status=422)
    assert "not available" in response["message"]
    elsewhere = desk_for(make_site()).new_meter()
    assert desk.open_account(meters=[elsewhere], status=422)["errors"]


def test_opening_balance_paid_in_cash_is_a_sale_with_a_receipt(desk):
    account = desk.open_account(opening_balance="150.00", opening_channel="cash")
    assert account["balance"] == "150.00"
    sales = desk.get("/sales", status=200).json
    assert [(s["kind"], s["amount"], s["receipt_number"]) for s in sales] == [
        ("recharge", "150.00", 1)]


def test_balance_carried_over_from_an_old_meter(desk):
    account = desk.open_account(opening_balance="42.10", carried_over_from="OLD-123")
    assert account["balance"] == "42.10"
    transactions = desk.get("/ledger/transactions", status=200).json
    assert transactions[0]["kind"] == "opening" and "OLD-123" in transactions[0]["reason"]


def test_opening_balance_needs_exactly_one_source(desk):
    meter = desk.new_meter()
    for extra in ({}, {"opening_channel": "cash", "carried_over_from": "X"}):
        body = desk.open_account(meters=[meter], opening_balance="10.00", status=422, **extra)
        assert body["message"] == ("An opening balance is either paid through a channel or carried "
                                   "over from an old meter.")
        assert list(body["errors"]["json"]) == ["opening_balance"]
    # nothing was written: no account, the meter still free, no money moved
    assert desk.get("/accounts", status=200).json == []
    assert desk.open_account(meters=[meter])["meters"][0]["id"] == meter
    assert desk.get("/sales", status=200).json == []


def test_thresholds_and_arrears_rule_per_account(desk):
    account = desk.open_account(alarm1_threshold="50.00", alarm2_threshold="10.00")
    changed = desk.call("PATCH", f"/accounts/{account['id']}",
                        {"arrears_rule": "protect", "alarm2_threshold": "60.00"}).json
    assert changed["code"] == 422  # level 2 above level 1
    changed = desk.call("PATCH", f"/accounts/{account['id']}", {"arrears_rule": "protect"},
                        status=200).json
    assert changed["arrears_rule"] == "protect" and changed["alarm1_threshold"] == "50.00"


def test_add_and_remove_meters(desk):
    account = desk.open_account()
    extra = desk.new_meter()
    grown = desk.post(f"/accounts/{account['id']}/meters", {"meter_id": extra}, status=200).json
    assert len(grown["meters"]) == 2
    shrunk = desk.call("DELETE", f"/accounts/{account['id']}/meters/{extra}", status=200).json
    assert [m["id"] for m in shrunk["meters"]] == [account["meters"][0]["id"]]
    assert desk.get(f"/meters/{extra}", status=200).json["status"] == "not_opened"
    last = account["meters"][0]["id"]
    desk.call("DELETE", f"/accounts/{account['id']}/meters/{last}", status=422)


def test_meter_swap_keeps_the_balance_and_records_both_readings(desk):
    account = desk.open_account(opening_balance="80.00", opening_channel="cash")
    old, new = account["meters"][0]["id"], desk.new_meter()
    swap = desk.post(f"/accounts/{account['id']}/swaps", {
        "old_meter_id": old, "new_meter_id": new, "old_final_reading": "1234.56",
        "new_start_reading": "0.00", "reason": "display broken"}, status=201).json
    assert swap["old_final_reading"] == "1234.56" and swap["new_start_reading"] == "0.00"
    after = desk.get(f"/accounts/{account['id']}", status=200).json
    assert after["balance"] == "80.00" and [m["id"] for m in after["meters"]] == [new]
    assert desk.get(f"/meters/{old}", status=200).json["status"] == "closed"
    assert desk.get(f"/assets?meter_id={old}", status=200).json[0]["state"] \
        == "removed"
    assert desk.get(f"/meters/{new}", status=200).json["status"] == "opened"


def test_close_account_refunds_what_is_left_and_closes_the_meters(desk):
    account = desk.open_account(opening_balance="100.00", opening_channel="cash")
    closed = desk.post(f"/accounts/{account['id']}/close",
                       {"refund_channel": "cash", "final_charge": "12.30"}, status=200).json
    assert closed["status"] == "closed" and closed["balance"] == "0.00"
    assert closed["meters"] == []
    meter = desk.get(f"/meters/{account['meters'][0]['id']}", status=200).json
    assert meter["status"] == "closed"
    refund = desk.get("/sales", status=200).json[0]
    assert (refund["kind"], refund["amount"], refund["status"]) == ("refund", "87.70", "completed")
    assert desk.get("/ledger/verify", status=200).json["ok"] is True
    desk.recharge(account["id"], "1.00", status=422)


def test_close_needs_a_refund_channel_when_money_is_left(desk):
    account = desk.open_account(opening_balance="5.00", opening_channel="cash")
    response = desk.post(f"/accounts/{account['id']}/close", {}, status=422).json
    assert "refund_channel" in response["errors"]["json"]


def test_accounts_of_other_sites_are_invisible(desk, desk_for, make_site):
    other = desk_for(make_site()).open_account()
    desk.get(f"/accounts/{other['id']}", status=404)
    assert desk.get("/accounts", status=200).json == []


def test_a_local_mode_account_shows_the_money_on_its_meter_and_on_its_way(desk, db):
    from shared_models.enums import ControlMode
    from shared_models.models import Meter, MeterState
    from shared_models.types import utcnow

    meter_id = desk.new_meter()
    db.get(Meter, meter_id).control_mode = ControlMode.LOCAL
    db.add(MeterState(meter_id=meter_id, last_read_at=utcnow(), balance=D("-0.08"),
                      purchase_count=0, relay_open=False))
    db.commit()
    account = desk.open_account(meters=[meter_id], opening_balance="30.00", opening_channel="cash")
    # pushed to the meter at once: the wallet is empty, the money is on its way
    assert account["balance"] == "29.92"
    assert account["money"] == {"total": "29.92", "wallet": "0.00", "in_transit": "30.00",
                                "on_meters": "-0.08", "meters_read_at": account["money"]["meters_read_at"]}
    assert account["money"]["meters_read_at"] is not None
    assert desk.balance(account["id"]) == D("29.92")
    (sale,) = desk.get("/sales", status=200).json
    assert sale["balance_after"] == "29.92"


def test_an_opening_balance_pushed_to_a_local_meter_wakes_its_bus(desk, db, redis_client):
    from metering_worker import transport
    from shared_models.enums import ControlMode
    from shared_models.models import Command, Meter, MeterState
    from shared_models.types import utcnow

    meter_id = desk.new_meter()
    meter = db.get(Meter, meter_id)
    meter.control_mode = ControlMode.LOCAL
    db.add(MeterState(meter_id=meter_id, last_read_at=utcnow(), balance=D("0.00"), purchase_count=0,
                      relay_open=False))
    db.commit()
    desk.open_account(meters=[meter_id], opening_balance="30.00", opening_channel="cash")
    (push,) = db.query(Command).filter_by(meter_id=meter_id).all()
    assert transport.announced_ids(redis_client, meter.bus_id) == [push.id]  # not left to the cron
