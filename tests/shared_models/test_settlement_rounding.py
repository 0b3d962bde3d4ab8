"""Remote-mode billing rounds each meter's whole history once, not each reading on its own.

A meter's postings must add up to its exact cost rounded half-up to the cent: intervals whose
cost is below a cent are carried, not dropped (a quiet shop) and not rounded up to a cent
each (0.01 kWh at 0.6433 is 0.006433, not 0.01).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shared_models.models import LedgerTransaction, Posting
from shared_models.models.ledger import TransactionKind
from shared_models.sales import accounts
from shared_models.tariffs.rounding import carry_round
from tests.settlement_kit import Kit, local, tomorrow

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("0.6433"), poll_interval_s=60)
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


def billed(db, meter) -> Decimal:
    """What the meter's consumption postings took from wallets."""
    return db.scalar(select(func.coalesce(func.sum(Posting.amount), 0))
                     .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
                     .where(LedgerTransaction.kind == TransactionKind.CONSUMPTION,
                            LedgerTransaction.external_key.like(f"%:{meter.id}:%"),
                            Posting.amount > 0))


def half_up(value: Decimal | Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) \
        else value
    return exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_hundredths_of_a_kwh_are_not_each_billed_a_cent(kit, db):
    meter = kit.meter()
    account = kit.account(meter, balance="50")
    start = local(tomorrow(), 12)
    for minute in range(11):  # ten intervals of 0.01 kWh, flat band
        kit.read(meter, start + timedelta(minutes=minute), f"{100 + minute / 100:.2f}")
        kit.settle(meter)
    # exact 0.10 kWh x 0.6433 = 0.06433 -> 0.06, not 10 x 0.01
    assert billed(db, meter) == D("0.06")
    assert kit.wallet(account) == D("49.94")
    kit.assert_books()


def test_a_quiet_shop_whose_every_interval_rounds_to_zero_is_still_billed(kit, db):
    meter = kit.meter()
    account = kit.account(meter, balance="50")
    start = local(tomorrow(), 1)
    for step in range(30):  # 0.01 kWh every half hour: 0.006433 each, 0.00 on its own
        kit.read(meter, start + timedelta(minutes=30 * step), f"{5 + step / 100:.2f}")
        kit.settle(meter)
    assert billed(db, meter) == half_up(D("0.29") * D("0.6433"))  # 0.186557 -> 0.19
    assert kit.wallet(account) == D("49.81")


def test_a_lost_cursor_does_not_bill_the_carried_remainder_twice(kit, db):
    from shared_models.metering.meter_states import state_of

    meter = kit.meter()
    kit.account(meter, balance="50")
    start = local(tomorrow(), 12)
    for minute in range(4):
        kit.read(meter, start + timedelta(minutes=minute), f"{100 + minute / 100:.2f}")
    kit.settle(meter)
    state_of(db, meter.id).settled_reading_id = None  # everything is seen again
    kit.settle(meter)
    assert billed(db, meter) == D("0.02")  # 0.03 kWh x 0.6433 = 0.019299


def test_the_carry_stays_with_the_account_across_a_meter_swap(kit, db):
    old, new = kit.meter(), kit.meter()
    account = kit.account(old, balance="50")
    day = tomorrow()
    kit.read(old, local(day, 12), "10.00")
    kit.read(old, local(day, 12, 1), "10.01")  # 0.006433
    kit.settle(old)
    swapped_at = local(day, 12, 2)
    swap = accounts.swap_meter(db, account, {"old_meter_id": old.id, "new_meter_id": new.id,
                                             "old_final_reading": "10.02",
                                             "new_start_reading": "0.00"}, operator_id=None)
    swap.swapped_at = swapped_at
    for link in account.links:
        if link.meter_id == old.id:
            link.detached_at = swapped_at
        else:
            link.attached_at = swapped_at
    db.flush()
    kit.read(new, local(day, 12, 3), "0.01")
    kit.read(new, local(day, 12, 4), "0.02")
    kit.settle(new)
    # four hundredths in all across both meters: 0.04 x 0.6433 = 0.025732 -> 0.03
    assert kit.wallet(account) == D("49.97")
    kit.assert_books()


def test_a_peak_hour_of_small_readings_bills_its_exact_cost(kit, db):
    meter = kit.meter()
    account = kit.account(meter, balance="100")
    kit.tou_plan([meter], {"prices": {"sharp": "1.2866", "peak": "1.0722", "flat": "0.6433",
                                      "valley": "0.2895"},
                           "time_of_use": {"day_plan": [["08:00", "11:00", "peak"],
                                                           ["11:00", "08:00", "flat"]]}})
    start = local(tomorrow(), 9)
    totals = [D("200.00") + D("0.01") * n + D("0.02") * (n // 3) for n in range(40)]
    for minute, total in enumerate(totals):
        kit.read(meter, start + timedelta(minutes=minute), str(total), ("0", str(total), "0", "0"))
        kit.settle(meter)
    exact = (totals[-1] - totals[0]) * D("1.0722")
    assert billed(db, meter) == half_up(exact)
    assert kit.wallet(account) == D("100.00") - half_up(exact)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fractions(min_value=0, max_value=Fraction(3, 100), max_denominator=10**7),
                min_size=1, max_size=60))
def test_carry_round_posts_the_running_total_rounded_once(costs):
    carry, posted, exact = Fraction(0), D("0.00"), Fraction(0)
    for cost in costs:
        amount, carry = carry_round(carry, cost)
        assert amount >= 0
        assert -Fraction(1, 200) <= carry < Fraction(1, 200)
        posted += amount
        exact += cost
        assert posted == half_up(exact)
