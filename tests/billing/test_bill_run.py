"""The bill run: one bill per postpaid account, its readings, its energy by band and tier, its
money as settlement booked it; run again, nothing new."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from shared_models.models.billing import Bill, BillLineKind, BillState
from tests.billing.kit import cutoff_after
from tests.settlement_kit import TOU, local

D = Decimal


def test_one_bill_per_postpaid_account_with_both_ends_of_each_meter(kit, db):
    first, second, prepaid_meter = kit.meter(), kit.meter(), kit.meter()
    postpaid = kit.postpaid(first, second)
    kit.account(prepaid_meter, balance="100")
    kit.half_hours(first, local(kit.day(), 1), ["100.00", "101.50", "104.00"])
    kit.half_hours(second, local(kit.day(), 1), ["50.00", "50.00", "51.00"])
    kit.half_hours(prepaid_meter, local(kit.day(), 1), ["7.00", "9.00"])
    [bill] = kit.run()
    assert (bill.account_id, bill.state) == (postpaid.id, BillState.CALCULATED)
    ends = [(m.meter_id, m.start_total, m.end_total, m.kwh) for m in bill.meters]
    assert ends == [(first.id, D("100.00"), D("104.00"), D("4.00")),
                    (second.id, D("50.00"), D("51.00"), D("1.00"))]
    assert (bill.energy_kwh, bill.energy_amount, bill.charges) == (D("5.00"), D("3.00"), D("3.00"))
    assert bill.energy_amount == kit.unbilled(postpaid)
    assert sum(line.amount for line in bill.lines) == bill.charges


def test_time_of_use_bands_and_tiers_are_lines_that_add_up_to_what_was_booked(kit, db):
    meter = kit.meter()
    tiered = {**TOU, "tiers": {"period": "month", "blocks": [
        {"up_to": "3", "increment": "0.0000"}, {"up_to": None, "increment": "0.0500"}]},
        "monthly_charge": "10.00"}
    kit.tou_plan([meter], tiered)
    account = kit.postpaid(meter)
    # Half-hourly from 06:00 (flat until 08:00, then peak): 4 kWh flat, then 2 kWh peak; the
    # tier boundary at 3 kWh falls in the flat hours.
    flat = ["0", "1", "2", "2", "4", "4", "4"]
    peak = ["0", "0", "0", "0", "0", "2", "2"]
    for n, (f, p) in enumerate(zip(flat, peak, strict=True)):
        kit.read(meter, local(kit.day(), 6, 0) + timedelta(minutes=30 * n), str(D(f) + D(p)),
                 registers=("0", p, f, "0"))
        kit.settle(meter)
    [bill] = kit.run()
    energy = [(line.band, line.tier, line.kwh) for line in bill.lines if line.kind == BillLineKind.ENERGY]
    assert sum(kwh for _band, _tier, kwh in energy) == D("6.00")
    assert {band for band, _tier, _kwh in energy} >= {"flat", "peak"}
    assert {tier for _band, tier, _kwh in energy} == {1, 2}
    assert bill.fixed_charge == D("10.00")
    assert bill.energy_amount == kit.unbilled(account)
    assert bill.charges == bill.energy_amount + D("10.00")
    assert sum(line.amount for line in bill.lines) == bill.charges


def test_the_next_bill_starts_where_this_one_ended(kit, db):
    meter = kit.meter()
    kit.postpaid(meter)
    day = kit.day()
    kit.half_hours(meter, local(day, 1), ["10.00", "12.00"])
    [first] = kit.run(cutoff_after(day))
    later = cutoff_after(day)
    kit.half_hours(meter, local(later, 1), ["15.00", "20.00"])
    [second] = kit.run(cutoff_after(later))
    [m] = second.meters
    assert (m.start_reading_id, m.start_total, m.end_total) == (first.meters[0].end_reading_id,
                                                                D("12.00"), D("20.00"))
    assert second.energy_amount == D("4.80")


def test_running_again_makes_no_second_bill(kit, db):
    meter = kit.meter()
    kit.postpaid(meter)
    kit.half_hours(meter, local(kit.day(), 1), ["10.00", "12.00"])
    [bill] = kit.run()
    [again] = kit.run()
    assert again.id == bill.id
    assert db.scalar(select(func.count()).select_from(Bill).where(Bill.site_id == kit.site.id)) == 1


def test_an_account_switched_in_the_period_is_billed_from_the_switch(kit, db):
    from shared_models.billing.modes import set_billing_mode
    from shared_models.models.accounts import BillingMode

    meter = kit.meter()
    account = kit.account(meter, balance="50")
    kit.half_hours(meter, local(kit.day(), 1), ["10.00", "12.00"])  # prepaid: 1.20 from the wallet
    set_billing_mode(db, account.id, BillingMode.POSTPAID, now=kit.now)
    kit.half_hours(meter, local(kit.day(), 2), ["15.00", "20.00"])
    [bill] = kit.run()
    [m] = bill.meters
    assert (m.start_total, m.end_total, bill.energy_kwh) == (D("12.00"), D("20.00"), D("8.00"))
    assert bill.energy_amount == D("4.80") == sum(line.amount for line in bill.lines)
    assert kit.wallet(account) == D("48.80")
