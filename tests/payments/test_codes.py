"""The payment-code table: each wallet's shape, and masking for logs."""

from __future__ import annotations

import pytest

from shared_models.errors import InvalidValue
from shared_models.payments.codes import channel_of, is_code_of, mask


@pytest.mark.parametrize("code, channel", [
    ("101234567890123456", "wechat"),
    ("134567890123456789", "wechat"),
    ("159999999999999999", "wechat"),
    ("2534567890123456", "alipay"),  # 16 digits, the shortest
    ("283456789012345678", "alipay"),
    ("300000000000000000000000", "alipay"),  # 24 digits, the longest
    ("6212345678901234567", "unionpay"),
    (" 134567890123456789\r\n", "wechat"),  # a scanner's line ending
])
def test_a_code_names_its_channel(code, channel):
    assert channel_of(code) == channel
    assert is_code_of(code.strip(), channel)


@pytest.mark.parametrize("code", [
    "", "abc", "161234567890123456",  # 16 is no wallet's prefix
    "09" + "1" * 16,  # starts 09
    "13456789012345678",  # WeChat, 17 digits
    "1345678901234567890",  # WeChat, 19 digits
    "253456789012345",  # Alipay, 15 digits
    "3100000000000000",  # 31 is past Alipay's range
    "2" + "4" * 17,  # 24 is below it
    "3000000000000000000000000",  # Alipay, 25 digits
    "621234567890123456",  # UnionPay, 18 digits
    "63" + "1" * 17,  # 63 is not UnionPay's prefix
    "１３４５６７８９０１２３４５６７８９",  # full-width digits
    "13456789012345678x",
])
def test_what_fits_no_format_is_refused_without_echoing_the_code(code):
    with pytest.raises(InvalidValue) as refused:
        channel_of(code)
    assert refused.value.field == "auth_code"
    if len(code) >= 10:
        assert code not in str(refused.value)


@pytest.mark.parametrize("code, masked", [
    ("134567890123456789", "13************6789"),
    ("6212345678901234567", "62*************4567"),
    ("12345", "*****"),
])
def test_mask_keeps_the_prefix_and_the_last_four(code, masked):
    assert mask(code) == masked


def test_a_channel_without_codes_matches_nothing():
    assert not is_code_of("134567890123456789", "cash")
    assert not is_code_of("134567890123456789", "alipay")
