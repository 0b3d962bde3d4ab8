"""Money in a command payload follows the one money rule: plain decimal text, 2 places."""

from __future__ import annotations

import pytest

from shared_models.errors import InvalidValue
from shared_models.models.commands import CommandKind
from shared_models.remote_control.payloads import validate


@pytest.mark.parametrize("amount", ["2E1", "２０", "٢٠", " 20", "20.001", "-1", "NaN", 20.0, True, [20]])
def test_a_settings_amount_that_is_not_plain_yuan_is_refused_naming_the_field(amount):
    with pytest.raises(InvalidValue) as refused:
        validate(CommandKind.PUSH_SETTINGS, {"alarm_1": amount})
    assert refused.value.field == "payload.alarm_1"


@pytest.mark.parametrize(("amount", "stored"), [("20", "20.00"), ("20.5", "20.50"), (20, "20.00")])
def test_plain_yuan_is_read_exactly(amount, stored):
    assert validate(CommandKind.PUSH_SETTINGS, {"alarm_1": amount})["alarm_1"] == stored
