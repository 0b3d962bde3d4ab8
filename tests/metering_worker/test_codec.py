"""Round trips and fixed layouts of the hot block, settings, relay and mailboxes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metering_worker.protocol import (
    CommandCode,
    CommandMessage,
    HotBlock,
    KeyRing,
    MeterStatus,
    RechargeMessage,
    ResultCode,
    Settings,
    decode_command,
    decode_hot_block,
    decode_recharge,
    decode_relay,
    decode_settings,
    encode_command,
    encode_hot_block,
    encode_recharge,
    encode_relay,
    encode_settings,
    mac_matches,
)
from shared_models.errors import InvalidValue
from shared_models.money import energy_from_hundredths, money_from_cents

U16 = st.integers(0, 0xFFFF)
U32 = st.integers(0, 0xFFFF_FFFF)
I32 = st.integers(-0x8000_0000, 0x7FFF_FFFF)


def steps(step: str, low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda n: (Decimal(n) * Decimal(step)).quantize(Decimal(step)))


energies = U32.map(energy_from_hundredths)
hot_blocks = st.builds(
    HotBlock,
    total_energy=energies,
    energy_by_rate=st.tuples(energies, energies, energies, energies),
    voltage=st.tuples(*[steps("0.1", 0, 0xFFFF)] * 3),
    current=st.tuples(*[steps("0.01", 0, 0xFFFF)] * 3),
    power_w=I32,
    power_factor=steps("0.001", -1000, 1000),
    frequency=steps("0.01", 0, 0xFFFF),
    balance=I32.map(money_from_cents),
    purchase_count=U16,
    status=st.integers(0, 0x7FF).map(MeterStatus),
    active_rate=st.integers(1, 4),
    last_sequence=U16,
    last_result=st.sampled_from(ResultCode),
    clock=U32,
    event_counter=U16,
    map_version=st.just(1),
)


@given(hot_blocks)
def test_hot_block_round_trip(block: HotBlock) -> None:
    regs = encode_hot_block(block)
    assert len(regs) == 32 and all(0 <= r <= 0xFFFF for r in regs)
    assert decode_hot_block(regs) == block


def test_hot_block_layout_is_big_endian_high_word_first() -> None:
    regs = [0] * 32
    regs[0:2] = [0x0001, 0x0002]  # 65538 hundredths of kWh
    regs[0x15:0x17] = [0xFFFF, 0xFF38]  # -200 fen
    regs[0x18] = 0b101_0000_0001
    regs[0x1B] = 4
    regs[0x1F] = 1
    block = decode_hot_block(regs)
    assert block.total_energy == Decimal("655.38")
    assert block.balance == Decimal("-2.00")
    assert block.status == MeterStatus.RELAY_OPEN | MeterStatus.REMOTE_TRIP_LATCHED | MeterStatus.MAC_FAILED
    assert block.last_result is ResultCode.EXPIRED
    assert block.relay_open


def test_hot_block_refuses_wrong_length() -> None:
    with pytest.raises(InvalidValue):
        decode_hot_block([0] * 31)


settings_values = st.builds(
    Settings,
    alarm_1=U32.map(money_from_cents),
    alarm_2=U32.map(money_from_cents),
    overdraft_limit=U32.map(money_from_cents),
    close_allowed=U32.map(money_from_cents),
    overload_limit_w=U32,
    overload_delay_s=U16,
    reclose_minutes=U16,
)


@given(settings_values)
def test_settings_round_trip(settings: Settings) -> None:
    regs = encode_settings(settings)
    assert len(regs) == 12
    assert decode_settings(regs) == settings


def test_settings_refuse_negative_money() -> None:
    with pytest.raises(InvalidValue):
        encode_settings(Settings(overdraft_limit=Decimal("-1.00")))


@pytest.mark.parametrize(("trip", "regs"), [(True, [1, 1]), (False, [1, 0])])
def test_relay_register_acrel_style(trip: bool, regs: list[int]) -> None:
    assert encode_relay(trip) == regs
    assert decode_relay(regs) is trip


def test_relay_register_refuses_other_values() -> None:
    with pytest.raises(InvalidValue):
        decode_relay([0, 1])


KEY = KeyRing.single(bytes.fromhex("0123456789abcdeffedcba987654321089abcdef01234567")).meter_key(
    "240000000001"
)


@given(st.sampled_from(CommandCode), U16, U32, U32, st.integers(1, 247))
def test_command_mailbox_round_trip(code, seq, valid_until, nonce, unit) -> None:
    msg = CommandMessage(code=code, sequence=seq, valid_until=valid_until, nonce=nonce)
    regs = encode_command(unit, msg, KEY)
    assert len(regs) == 8
    decoded, mac = decode_command(regs)
    assert decoded == msg
    assert mac == (regs[6] << 16 | regs[7])
    assert mac_matches(unit, regs, KEY)


@given(st.integers(1, 0xFFFF_FFFF).map(money_from_cents), U32, U32, U32, st.integers(1, 247))
def test_recharge_mailbox_round_trip(amount, count, order, customer, unit) -> None:
    msg = RechargeMessage(amount, count, order, customer)
    regs = encode_recharge(unit, msg, KEY)
    assert len(regs) == 10
    assert decode_recharge(regs)[0] == msg
    assert mac_matches(unit, regs, KEY)


def test_recharge_refuses_zero_amount() -> None:
    with pytest.raises(InvalidValue):
        encode_recharge(1, RechargeMessage(Decimal("0.00"), 1, 1, 1), KEY)


def test_command_mailbox_layout() -> None:
    msg = CommandMessage(code=CommandCode.TRIP, sequence=7, valid_until=0x01020304, nonce=0xA0B0C0D0)
    assert encode_command(3, msg, KEY)[:6] == [0x1A, 7, 0x0102, 0x0304, 0xA0B0, 0xC0D0]
