"""The payment-code table: each wallet's shape, and masking for logs."""

from __future__ import annotations

import pytest

from shared_models.models.ledger import Channel
from shared_models.payments.codes import channel_of, is_code_of, mask


@pytest.mark.parametrize("code, channel", [
    ("134567890123456789", Channel.WECHAT),  # 18 digits, 10-15
    ("104567890123456789", Channel.WECHAT),
    ("154567890123456789", Channel.WECHAT),
    ("164567890123456789", None),  # 16 is no one's
    ("094567890123456789", None),
    ("13456789012345678", None),  # WeChat, 17 digits
    ("1345678901234567890", None),  # WeChat, 19 digits
    ("2545678901234567", Channel.ALIPAY),  # 16 digits, 25-30
    ("2845678901234567", Channel.ALIPAY),
    ("284567890123456789012345", Channel.ALIPAY),  # 24 digits
    ("3045678901234567", Channel.ALIPAY),
    ("254567890123456", None),  # 15 digits
    ("2445678901234567", None),  # 24 is below Alipay's range
    ("3145678901234567", None),  # 31 is past it
    ("2845678901234567890123456", None),  # 25 digits
    ("6212345678901234567", Channel.UNIONPAY),  # 19 digits, 62
    ("621234567890123456", None),  # 18 digits
    ("6312345678901234567", None),
    ("13456789012345678a", None),
    ("１３４５６７８９０１２３４５６７８９", None),  # full-width digits: \d would take them
    (" 134567890123456789", None),  # padded: the caller trims, the gateway would refuse it
    ("", None),
])
def test_a_code_belongs_to_the_gateway_whose_format_it_has(code, channel):
    assert channel_of(code) == channel
    for each in Channel:
        assert is_code_of(code, each) == (each == channel)


def test_a_masked_code_keeps_two_leading_and_four_trailing_digits():
    assert mask("134567890123456789") == "13************6789"
    assert mask("6212345678901234567") == "62*************4567"
    assert mask("12345") == "*****"
