"""The kiosk's screen logic without a window: keypad, scanner bursts, payment-code formats,
the idle rule, amount limits and the flow's transitions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk_app.presenters import amounts, codes, flow
from kiosk_app.presenters.flow import KioskFlow, Refused
from kiosk_app.presenters.idle import IdlePhase, IdleTimer
from kiosk_app.presenters.keypad import BACKSPACE, CLEAR, DOT, KeypadBuffer
from kiosk_app.presenters.scanner import ScanDetector


def type_keys(buffer: KeypadBuffer, keys) -> str:
    for key in keys:
        buffer.press(key)
    return buffer.text


@pytest.mark.parametrize("keys, text", [
    ("123", "123"), (["1", "2", BACKSPACE], "1"), (["1", CLEAR, "7"], "7"), ("x1", "1"),
    ("12345678901234567890123", "12345678901234567890"),
])
def test_the_number_keypad_types_digits_up_to_its_length(keys, text):
    assert type_keys(KeypadBuffer(20), keys) == text


@pytest.mark.parametrize("keys, text", [
    (["2", "0", DOT, "5"], "20.5"), ([DOT, "5"], "0.5"), (["1", DOT, DOT, "2"], "1.2"),
    (["1", DOT, "2", "3", "4"], "1.23"), (["0", "5"], "5"), ([DOT], "0."),
])
def test_the_amount_keypad_takes_one_point_and_two_decimals(keys, text):
    assert type_keys(KeypadBuffer(10, dot=True), keys) == text


def test_a_dot_is_refused_on_the_number_keypad_and_the_phone_is_masked():
    buffer = KeypadBuffer(4)
    assert not buffer.press(DOT)
    type_keys(buffer, "56789")
    assert buffer.text == "5678" and buffer.masked() == "••••" and buffer.masked(keep=1) == "•••8"


def feed(detector: ScanDetector, text: str, start: float, gap: float):
    found, at = None, start
    for char in text:
        found = detector.key(char, at) or found
        at += gap
    return found


def test_a_fast_burst_ending_in_enter_is_a_scan():
    assert feed(ScanDetector(), "134567890123456789\n", 10.0, 0.004) == "134567890123456789"


def test_keys_typed_by_a_person_are_not_a_scan():
    assert feed(ScanDetector(), "1234\n", 10.0, 0.2) is None


def test_a_burst_too_short_is_not_a_scan_and_a_pause_starts_a_new_burst():
    detector = ScanDetector()
    assert feed(detector, "12\n", 1.0, 0.003) is None
    feed(detector, "999", 5.0, 0.003)
    assert feed(detector, "WK0000000001\n", 6.0, 0.003) == "WK0000000001"


@pytest.mark.parametrize("code, channel", [
    ("134567890123456789", "wechat"), ("104567890123456789", "wechat"),
    ("284567890123456789", "alipay"), ("3045678901234567", "alipay"), ("250000000000000000000000", "alipay"),
    ("6212345678901234567", "unionpay"),
    ("164567890123456789", None), ("13456789012345678", None), ("2445678901234567", None),
    ("621234567890123456", None), ("31456789012345678", None), ("１34567890123456789", None), ("", None),
])
def test_payment_code_formats_of_the_three_gateways(code, channel):
    assert codes.channel_of(code) == channel


def test_a_payment_code_is_shown_masked():
    assert codes.mask("134567890123456789") == "13************6789"


def test_the_idle_countdown_comes_after_the_quiet_time_and_ends_at_home():
    timer = IdleTimer(60, 10, now=0)
    timer.enabled = True
    assert timer.phase(59.9) == IdlePhase.ACTIVE
    assert timer.phase(60) == IdlePhase.WARNING and timer.seconds_left(60) == 10
    assert timer.seconds_left(65.5) == 5
    assert timer.phase(70) == IdlePhase.EXPIRED
    timer.touch(65)
    assert timer.phase(70) == IdlePhase.ACTIVE


def test_the_idle_timer_waits_while_a_payment_is_pending_and_on_the_home_screen():
    timer = IdleTimer(60, 10, now=0)
    timer.enabled = True
    timer.suspend(True, now=0)
    assert timer.phase(500) == IdlePhase.ACTIVE
    timer.suspend(False, now=500)
    assert timer.phase(559) == IdlePhase.ACTIVE and timer.phase(561) == IdlePhase.WARNING
    timer.enabled = False
    assert timer.phase(1000) == IdlePhase.ACTIVE


LIMITS = amounts.Limits(Decimal("1.00"), Decimal("2000.00"), Decimal("150.00"))


@pytest.mark.parametrize("text, problem", [
    ("20", None), ("150.00", None), ("0.5", "The smallest payment is {minimum}."),
    ("150.01", "At most {most} can be added now."), ("", "Enter an amount."), ("1.234", "Enter an amount."),
    ("0", "Enter an amount."),
])
def test_amounts_are_checked_against_the_limits_and_the_cap(text, problem):
    found = amounts.problem(amounts.parse(text), LIMITS)
    assert (found[0] if found else None) == problem


def test_a_full_wallet_can_add_nothing_and_presets_say_which_are_allowed():
    full = amounts.Limits(Decimal("1.00"), Decimal("2000.00"), Decimal("0.00"))
    assert amounts.problem(Decimal("20"), full)[0].startswith("The balance is at the stored-credit cap")
    assert amounts.presets(["20.00", "100.00", "200.00"], LIMITS) == [
        (Decimal("20.00"), True), (Decimal("100.00"), True), (Decimal("200.00"), False)]


VIEW = {"ticket": "t", "number": "KSK-000001", "balance": "10.00", "most": "150.00",
        "limits": {"minimum": "1.00", "maximum": "2000.00", "credit_cap": "160.00"}}


def paying_flow(method="code") -> KioskFlow:
    kiosk = KioskFlow()
    kiosk.start("recharge")
    kiosk.found(VIEW)
    kiosk.choose_amount(Decimal("20.00"), method)
    return kiosk


def test_check_balance_then_recharge_by_payment_code_to_done():
    kiosk = KioskFlow()
    assert kiosk.start("balance") == flow.IDENTIFY
    assert kiosk.found(VIEW) == flow.ACCOUNT
    assert kiosk.to_recharge() == flow.RECHARGE
    assert kiosk.choose_amount(Decimal("20.00"), "code") == flow.PAY_CODE
    assert kiosk.scanned_code("134567890123456789") == "wechat"
    assert kiosk.order_started({"id": 5, "flow": "payment_code", "state": "created"}) == flow.PAYING
    assert kiosk.payment_pending
    assert kiosk.order_update({"id": 5, "state": "pending"}) == flow.PAYING
    assert kiosk.order_update({"id": 6, "state": "credited"}) == flow.PAYING  # another order
    assert kiosk.order_update({"id": 5, "state": "credited"}) == flow.DONE
    assert not kiosk.payment_pending


@pytest.mark.parametrize("state, failure", [("closed", "The payment was cancelled."),
                                             ("expired", "The payment expired.")])
def test_a_qr_order_closed_or_expired_is_a_clear_failure(state, failure):
    kiosk = paying_flow("qr")
    assert kiosk.state == flow.PAY_QR
    kiosk.order_started({"id": 9, "flow": "qr", "state": "pending"})
    assert kiosk.order_update({"id": 9, "state": state}) == flow.FAILED and kiosk.failure == failure


def test_a_bad_amount_or_a_foreign_code_is_refused_and_the_screen_stays():
    kiosk = KioskFlow()
    kiosk.start("recharge")
    kiosk.found(VIEW)
    with pytest.raises(Refused) as refused:
        kiosk.choose_amount(Decimal("151.00"), "code")
    assert refused.value.msgid == "At most {most} can be added now." and kiosk.state == flow.RECHARGE
    kiosk.choose_amount(Decimal("20.00"), "code")
    with pytest.raises(Refused):
        kiosk.scanned_code("9912345678901234")
    assert kiosk.state == flow.PAY_CODE


def test_an_outage_keeps_a_pending_order_on_screen_and_otherwise_shows_out_of_service():
    kiosk = paying_flow()
    kiosk.order_started({"id": 3, "flow": "payment_code", "state": "created"})
    assert kiosk.api_down() == flow.PAYING and kiosk.offline and kiosk.order["id"] == 3
    assert kiosk.idle_expired() == flow.PAYING  # never while a payment is pending
    assert kiosk.order_update({"id": 3, "state": "credited"}) == flow.DONE and not kiosk.offline
    assert kiosk.api_down() == flow.OUT_OF_SERVICE
    assert kiosk.api_back() == flow.HOME


def test_idle_and_home_forget_the_tenant():
    kiosk = KioskFlow()
    kiosk.start("balance")
    kiosk.found(VIEW)
    assert kiosk.idle_expired() == flow.HOME
    assert kiosk.account is None and kiosk.amount is None and kiosk.order is None
    with pytest.raises(Refused):
        kiosk.to_recharge()
