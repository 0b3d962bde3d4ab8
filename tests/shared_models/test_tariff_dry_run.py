"""Dry run of a tariff change over recorded consumption."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared_models.tariffs import ConsumptionRecord, Tariff, compare

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIERED = Tariff.from_dict(
    {
        "prices": {"flat": "0.5000"},
        "tiers": {
            "period": "month",
            "blocks": [
                {"up_to": "230", "increment": "0"},
                {"up_to": None, "increment": "0.1000"},
            ],
        },
    }
)


def record(account: str, day: int, kwh: str, month: int = 3) -> ConsumptionRecord:
    start = datetime(2024, month, day, tzinfo=SHANGHAI)
    end = datetime(2024, month, day, 23, 59, tzinfo=SHANGHAI)
    return ConsumptionRecord(account, start, end, Decimal(kwh))


def test_rows_per_account_with_difference():
    rows = compare(
        Tariff.flat("0.5000"),
        Tariff.flat("0.6000"),
        [record("A", 1, "100.00"), record("B", 1, "50.00"), record("A", 2, "0.05")],
    )
    assert [(r.account_id, r.kwh, r.old_cost, r.new_cost, r.difference) for r in rows] == [
        ("A", Decimal("100.05"), Decimal("50.03"), Decimal("60.03"), Decimal("10.00")),
        ("B", Decimal("50.00"), Decimal("25.00"), Decimal("30.00"), Decimal("5.00")),
    ]


def test_tiers_are_threaded_through_an_accounts_records_and_reset_each_month():
    records = [record("A", 2, "100.00"), record("A", 1, "200.00"), record("A", 1, "100.00", 4)]
    (row,) = compare(Tariff.flat("0.5000"), TIERED, records)
    # March: 300 kWh, 70 of them above 230 (+0.10); April starts again in tier 1.
    assert row.old_cost == Decimal("200.00")
    assert row.new_cost == Decimal("207.00")
    assert row.difference == Decimal("7.00")


def test_an_accounts_cost_is_its_exact_total_rounded_once():
    # Ten readings of 0.01 kWh: 0.006433 each, which per-record rounding bills at 0.01 under
    # both tariffs; the postings round the running total once, and so must the dry run.
    records = [ConsumptionRecord("A", datetime(2024, 3, 1, 8, minute, tzinfo=SHANGHAI),
                                 datetime(2024, 3, 1, 8, minute + 1, tzinfo=SHANGHAI), Decimal("0.01"))
               for minute in range(10)]
    (row,) = compare(Tariff.flat("0.6433"), Tariff.flat("1.2866"), records)
    assert (row.old_cost, row.new_cost) == (Decimal("0.06"), Decimal("0.13"))  # 0.06433, 0.12866
