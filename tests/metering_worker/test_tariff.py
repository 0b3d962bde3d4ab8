"""Tariff tables: byte layout, round trips and the rate in force at a local time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metering_worker.protocol import (
    DEFAULT_TARIFF,
    DayEntry,
    SeasonEntry,
    TariffTable,
    decode_tariff,
    encode_tariff,
    rate_at,
)
from metering_worker.protocol.tariff import decode_day_plan, encode_day_plan, encode_seasons
from shared_models.errors import InvalidValue
from shared_models.money import price_from_units

day_plans = st.lists(
    st.tuples(st.integers(0, 23), st.integers(0, 59)), min_size=1, max_size=14, unique=True
).flatmap(
    lambda starts: st.tuples(*[st.integers(1, 4) for _ in starts]).map(
        lambda rates: tuple(
            DayEntry(hour=h, minute=m, rate=r) for (h, m), r in zip(sorted(starts), rates, strict=True)
        )
    )
)
seasons = st.lists(
    st.tuples(st.integers(1, 12), st.integers(1, 28)), min_size=1, max_size=4, unique=True
).flatmap(
    lambda starts: st.tuples(*[st.integers(1, 2) for _ in starts]).map(
        lambda plans: tuple(
            SeasonEntry(month=mo, day=d, plan=p) for (mo, d), p in zip(sorted(starts), plans, strict=True)
        )
    )
)
prices = st.tuples(*[st.integers(0, 0xFFFF_FFFF).map(price_from_units)] * 4)


@given(seasons, day_plans, day_plans, prices)
def test_tariff_round_trip(season_plan, plan_1, plan_2, price_list) -> None:
    table = TariffTable(seasons=season_plan, day_plans=(plan_1, plan_2), prices=price_list)
    writes = encode_tariff(table)
    assert [(a, len(r)) for a, r in writes] == [
        (0x2000, 6),
        (0x2006, 21),
        (0x201B, 21),
        (0x2030, 8),
    ]
    assert decode_tariff(dict(writes)) == table


def test_day_plan_bytes_are_rate_minute_hour() -> None:
    regs = encode_day_plan([DayEntry(hour=0, minute=0, rate=4), DayEntry(hour=7, minute=30, rate=3)])
    assert regs[:3] == [0x0400, 0x0003, 0x1E07]
    assert regs[3:] == [0] * 18


def test_day_plan_with_a_gap_is_refused() -> None:
    regs = [0x0400, 0x0000, 0x0000] + [0] * 18
    regs[3] = 0x0300  # entry 3 has a rate while entry 2 is unused
    with pytest.raises(InvalidValue):
        decode_day_plan(regs)


def test_entries_out_of_order_are_refused() -> None:
    with pytest.raises(InvalidValue):
        encode_seasons([SeasonEntry(7, 1, 1), SeasonEntry(1, 1, 2)])


@pytest.mark.parametrize(
    ("when", "rate"),
    [
        ("2025-03-01T03:00", 4),
        ("2025-03-01T07:00", 3),
        ("2025-03-01T19:30", 2),
        ("2025-08-01T19:30", 1),
        ("2025-08-01T23:59", 4),
    ],
)
def test_rate_at_default_table(when: str, rate: int) -> None:
    assert rate_at(DEFAULT_TARIFF, datetime.fromisoformat(when)) == rate


def test_rate_before_first_entry_wraps_to_last() -> None:
    table = TariffTable(
        seasons=(SeasonEntry(3, 1, 1),),
        day_plans=((DayEntry(6, 0, 2), DayEntry(22, 0, 4)),) * 2,
        prices=(Decimal("1.0000"),) * 4,
    )
    assert rate_at(table, datetime(2025, 1, 5, 3, 0)) == 4
