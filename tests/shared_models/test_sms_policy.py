"""The SMS policy as a table: who is texted, which reason stops a text, when it may go out."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared_models.models.notifications import SmsKind
from shared_models.notifications.sms_policy import Policy, held_until, phone_problem, suppression

SHANGHAI = ZoneInfo("Asia/Shanghai")
ON = Policy(True, SHANGHAI, time(22, 0), time(8, 0), timedelta(hours=6))
OFF = Policy(False, SHANGHAI, time(22, 0), time(8, 0), timedelta(hours=6))
MOBILE = "13800138000"


def never() -> bool:
    raise AssertionError("the repeat window was asked when it did not matter")


@pytest.mark.parametrize(("policy", "kind", "phone", "recent", "reason"), [
    (ON, SmsKind.ALARM1, MOBILE, False, ""),
    (ON, SmsKind.ALARM1, MOBILE, True, "a alarm1 message was already sent within the repeat window"),
    (ON, SmsKind.ARREARS, MOBILE, True, "a arrears message was already sent within the repeat window"),
    (ON, SmsKind.RECHARGE, MOBILE, None, ""),  # every payment is confirmed: no window
    (ON, SmsKind.ALARM2, "+86 138-0013-8000", False, ""),
    (ON, SmsKind.ALARM1, "", None, "the account has no phone number"),
    (ON, SmsKind.ARREARS, "010-12345678", None, "not a mainland mobile number: 010-12345678"),
    (OFF, SmsKind.ARREARS, MOBILE, None, "SMS is turned off for this site"),
    (OFF, SmsKind.RECHARGE, "", None, "SMS is turned off for this site"),  # the first reason wins
])
def test_suppression_reasons_in_order(policy, kind, phone, recent, reason):
    asked = never if recent is None else (lambda: recent)
    assert suppression(policy, kind, phone, asked) == reason


@pytest.mark.parametrize(("phone", "problem"), [
    (MOBILE, ""), ("0086 13800138000", ""), ("", "the account has no phone number"),
    ("12800138000", "not a mainland mobile number: 12800138000"),
])
def test_phone_problems(phone, problem):
    assert phone_problem(phone) == problem


@pytest.mark.parametrize(("kind", "local", "until"), [
    (SmsKind.ALARM1, datetime(2026, 3, 1, 23, 30), datetime(2026, 3, 2, 8, 0)),  # before midnight
    (SmsKind.ALARM2, datetime(2026, 3, 2, 7, 59), datetime(2026, 3, 2, 8, 0)),  # after midnight
    (SmsKind.ALARM1, datetime(2026, 3, 2, 8, 0), None),  # quiet hours over
    (SmsKind.ALARM1, datetime(2026, 3, 2, 21, 59), None),
    (SmsKind.ARREARS, datetime(2026, 3, 1, 23, 30), None),  # the power is being cut: at once
    (SmsKind.RECHARGE, datetime(2026, 3, 1, 23, 30), None),  # answers what the tenant just did
])
def test_quiet_hours_hold_back_alarm_levels_only(kind, local, until):
    at = local.replace(tzinfo=SHANGHAI).astimezone(UTC)
    expected = None if until is None else until.replace(tzinfo=SHANGHAI).astimezone(UTC)
    assert held_until(kind, at, ON) == expected


def test_only_the_sign_in_code_is_masked_for_staff():
    from shared_models.notifications.sms_policy import TEMPLATES, redacted

    body = "【瓦特管家】" + TEMPLATES[SmsKind.SIGN_IN_CODE].format(number="DEMO-000123", code="804511",
                                                                  minutes=5)
    assert redacted(SmsKind.SIGN_IN_CODE, body) == (
        "【瓦特管家】您的电费账户DEMO-000123登录验证码为******，5分钟内有效，请勿告诉他人。")
    assert redacted(SmsKind.SIGN_IN_CODE, "an older wording with 804511") == "******"
    recharge = "尊敬的李四，您的电费账户DEMO-000123已成功充值50.00元"
    assert redacted(SmsKind.RECHARGE, recharge) == recharge


def test_a_tenant_mutes_alarm_levels_only():
    from shared_models.notifications.sms_policy import muted_kinds, store_muted

    assert muted_kinds("") == frozenset()
    assert muted_kinds("alarm2, alarm1,arrears,nonsense") == {SmsKind.ALARM1, SmsKind.ALARM2}
    assert store_muted({SmsKind.ALARM2, SmsKind.ALARM1}) == "alarm1,alarm2"
    policy = Policy(True, ZoneInfo("Asia/Shanghai"), time(22), time(8), timedelta(hours=6))
    muted = frozenset({SmsKind.ALARM1})
    assert suppression(policy, SmsKind.ALARM1, "13800138000", lambda: False, muted) == (
        "the tenant turned alarm1 texts off")
    assert suppression(policy, SmsKind.ALARM2, "13800138000", lambda: False, muted) == ""
