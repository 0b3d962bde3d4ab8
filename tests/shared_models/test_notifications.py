"""notify(): templates, phone rules, dedup, the repeat window and quiet hours per site timezone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from shared_models.errors import InvalidValue
from shared_models.models import SmsMessage, SmsSettings
from shared_models.models.notifications import SmsState
from shared_models.notifications.sms import notify
from shared_models.notifications.sms_policy import normalise_phone, quiet_until
from shared_models.sales.accounts import open_account

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 10:00 in Shanghai (02:00 UTC): outside the default quiet hours there.
DAYTIME = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ALARM = {"balance": Decimal("18.50"), "threshold": Decimal("20.00")}


@pytest.fixture
def make_account(db, make_site, make_gateway, make_meter):
    def make(site=None, phone="138 0013 8000", **values):
        site = site or make_site(sms_sender="物业电费")
        meter = make_meter(bus=make_gateway(site=site).buses[0])
        account = open_account(db, {"site_id": site.id, "tenant_name": "张三", "phone": phone,
                                    "meter_ids": [meter.id], **values}, operator_id=None)
        db.commit()
        return account

    return make


@pytest.mark.parametrize(("raw", "expected"), [
    ("13800138000", "13800138000"), ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"), ("008613800138000", "13800138000"),
    ("8613800138000", "13800138000"), ("19912345678", "19912345678"),
    ("12800138000", None), ("1380013800", None), ("138001380001", None), ("010-62345678", None),
    ("", None), ("abc13800138000", None),
])
def test_mainland_mobile_numbers(raw, expected):
    assert normalise_phone(raw) == expected


def test_alarm_is_queued_signed_and_rendered_in_chinese(db, make_account):
    account = make_account()
    message = notify(db, account_id=account.id, kind="alarm1", context=ALARM, at=DAYTIME)
    assert message.state == SmsState.QUEUED and message.phone == "13800138000"
    assert message.body.startswith("【物业电费】尊敬的张三")
    assert "18.50元" in message.body and "一级报警值20.00元" in message.body
    assert account.number in message.body and message.not_before is None


def test_recharge_text_carries_amount_balance_and_receipt(db, make_account):
    account = make_account()
    message = notify(db, account_id=account.id, kind="recharge", at=DAYTIME,
                     context={"amount": "100.00", "balance": "120.50", "receipt": 7})
    assert "充值100.00元" in message.body and "余额120.50元" in message.body
    assert "收据号7" in message.body


def test_a_missing_context_value_is_refused(db, make_account):
    account = make_account()
    with pytest.raises(InvalidValue, match="needs threshold"):
        notify(db, account_id=account.id, kind="alarm2", context={"balance": "1.00"})


def test_unknown_kind_is_refused(db, make_account):
    account = make_account()
    with pytest.raises(ValueError, match="overload"):
        notify(db, account_id=account.id, kind="overload", context=ALARM)


@pytest.mark.parametrize(("phone", "reason"), [
    ("", "no phone number"), ("010-62345678", "not a mainland mobile number")])
def test_accounts_without_a_mobile_are_skipped_with_a_reason(db, make_account, phone, reason):
    account = make_account(phone=phone)
    message = notify(db, account_id=account.id, kind="arrears", context={"balance": "-1.00"})
    assert message.state == SmsState.SUPPRESSED and reason in message.last_error


def test_the_same_dedup_key_never_yields_two_messages(db, make_account):
    account = make_account()
    first = notify(db, account_id=account.id, kind="recharge", dedup_key="recharge:sale:1",
                   context={"amount": "1.00", "balance": "1.00", "receipt": 1})
    again = notify(db, account_id=account.id, kind="recharge", dedup_key="recharge:sale:1",
                   context={"amount": "1.00", "balance": "1.00", "receipt": 1})
    assert again.id == first.id


def test_one_alarm_per_kind_and_account_within_the_window(db, make_account):
    account = make_account()
    first = notify(db, account_id=account.id, kind="alarm1", context=ALARM, at=DAYTIME)
    repeat = notify(db, account_id=account.id, kind="alarm1", context=ALARM,
                    at=DAYTIME + timedelta(hours=5, minutes=59))
    other_kind = notify(db, account_id=account.id, kind="alarm2", context=ALARM,
                        at=DAYTIME + timedelta(hours=1))
    later = notify(db, account_id=account.id, kind="alarm1", context=ALARM,
                   at=DAYTIME + timedelta(hours=6, minutes=1))
    assert first.state == SmsState.QUEUED and other_kind.state == SmsState.QUEUED
    assert repeat.state == SmsState.SUPPRESSED and "repeat window" in repeat.last_error
    assert later.state == SmsState.QUEUED


def test_recharges_are_not_limited_by_the_window(db, make_account):
    account = make_account()
    states = [notify(db, account_id=account.id, kind="recharge", at=DAYTIME,
                     context={"amount": "1.00", "balance": "1.00", "receipt": n}).state
              for n in range(3)]
    assert states == [SmsState.QUEUED] * 3


def test_site_window_and_switch_are_configurable(db, make_account, make_site):
    site = make_site()
    db.add(SmsSettings(site_id=site.id, repeat_window_minutes=30))
    account = make_account(site=site)
    notify(db, account_id=account.id, kind="alarm1", context=ALARM, at=DAYTIME)
    assert notify(db, account_id=account.id, kind="alarm1", context=ALARM,
                  at=DAYTIME + timedelta(minutes=31)).state == SmsState.QUEUED
    db.get(SmsSettings, site.id).enabled = False
    off = notify(db, account_id=account.id, kind="recharge", at=DAYTIME,
                 context={"amount": "1.00", "balance": "1.00", "receipt": 1})
    assert off.state == SmsState.SUPPRESSED and "turned off" in off.last_error


def test_alarm_in_shanghai_quiet_hours_waits_for_eight_local(db, make_account):
    account = make_account()
    night = datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI)
    message = notify(db, account_id=account.id, kind="alarm2", context=ALARM, at=night)
    assert message.state == SmsState.QUEUED
    assert message.not_before == datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("kind", ["recharge", "arrears"])
def test_recharge_and_arrears_go_out_at_once_at_night(db, make_account, kind):
    account = make_account()
    night = datetime(2026, 11, 20, 2, 0, tzinfo=SHANGHAI)
    message = notify(db, account_id=account.id, kind=kind, at=night,
                     context={"amount": "5.00", "balance": "5.00", "receipt": 3})
    assert message.state == SmsState.QUEUED and message.not_before is None


def test_quiet_hours_follow_the_site_timezone(db, make_account, make_site):
    berlin = make_site(timezone="Europe/Berlin")
    account = make_account(site=berlin)
    # 23:30 in Shanghai is 16:30 in Berlin: not quiet there.
    evening_in_shanghai = datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI)
    assert notify(db, account_id=account.id, kind="alarm1", context=ALARM,
                  at=evening_in_shanghai).not_before is None
    late_in_berlin = datetime(2026, 11, 20, 23, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    message = notify(db, account_id=account.id, kind="alarm2", context=ALARM, at=late_in_berlin)
    assert message.not_before == datetime(2026, 11, 21, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(("local", "start", "end", "until"), [
    ("21:59", time(22), time(8), None),
    ("22:00", time(22), time(8), "2026-11-21 08:00"),
    ("03:00", time(22), time(8), "2026-11-20 08:00"),
    ("08:00", time(22), time(8), None),
    ("13:00", time(12), time(14), "2026-11-20 14:00"),
    ("14:00", time(12), time(14), None),
    ("03:00", time(0), time(0), None),
])
def test_quiet_until(local, start, end, until):
    at = datetime.fromisoformat(f"2026-11-20 {local}").replace(tzinfo=SHANGHAI)
    expected = datetime.fromisoformat(until).replace(tzinfo=SHANGHAI) if until else None
    assert quiet_until(at, SHANGHAI, start, end) == expected


def test_quiet_hours_end_on_a_dst_change_day():
    berlin = ZoneInfo("Europe/Berlin")
    # The night clocks go forward (29 March 2026): 08:00 local is 06:00 UTC, not 07:00.
    at = datetime(2026, 3, 28, 23, 0, tzinfo=berlin)
    assert quiet_until(at, berlin, time(22), time(8)) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_a_counter_sale_through_the_api_queues_one_confirmation(db, desk):
    account = desk.open_account(phone="13912345678")
    body = {"account_id": account["id"], "amount": "50.00", "channel": "cash"}
    sale = desk.post("/sales/recharges", body, key="till-9-0001", status=201).json
    desk.post("/sales/recharges", body, key="till-9-0001", status=201)  # replay: no second SMS
    rows = db.scalars(select(SmsMessage).where(SmsMessage.account_id == account["id"],
                                               SmsMessage.kind == "recharge")).all()
    assert [(m.kind, m.state, m.phone, m.dedup_key) for m in rows] == [
        ("recharge", SmsState.QUEUED, "13912345678", f"recharge:sale:{sale['id']}")]
    assert f"收据号{sale['receipt_number']}" in rows[0].body and "余额50.00元" in rows[0].body
