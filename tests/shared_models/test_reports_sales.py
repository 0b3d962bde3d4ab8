"""Sales journal and totals: local-midnight cuts per site, netting of refunds and reversals."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared_models.models.ledger import Channel
from shared_models.reports import journal, totals
from shared_models.reports.periods import parse_period
from shared_models.reports.totals import Breakdown
from shared_models.reports.window import stream
from tests import reports

D = Decimal


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def journal_of(db, *args, **kwargs):
    return list(stream(db, journal.journal(db, parse_period(*args), **kwargs)))


def totals_of(db, *args, by=(), **kwargs):
    stmt = totals.totals(db, parse_period(*args[:2], *args[2:]), by=by, **kwargs)
    return list(stream(db, stmt))


@pytest.fixture
def shanghai(make_site):
    return make_site(timezone="Asia/Shanghai")


@pytest.fixture
def los_angeles(make_site):
    return make_site(timezone="America/Los_Angeles")


def test_a_sale_at_half_past_eleven_in_shanghai_belongs_to_that_day(db, shanghai, counter_for):
    desk = counter_for(shanghai)
    account = desk.open_account()
    late = desk.recharge(account, "10.00", at=at(2025, 3, 1, 15, 30))  # 23:30 local on the 1st
    after = desk.recharge(account, "20.00", at=at(2025, 3, 1, 16, 0))  # 00:00 local on the 2nd
    first = journal_of(db, "day", "2025-03-01", site_ids={shanghai.id})
    assert [(row["sale_id"], row["local_date"]) for row in first] == [(late.id, "2025-03-01")]
    second = journal_of(db, "day", "2025-03-02", site_ids={shanghai.id})
    assert [(row["sale_id"], row["local_date"]) for row in second] == [(after.id, "2025-03-02")]
    days = totals_of(db, "day", None, "2025-02-28", "2025-03-03", site_ids={shanghai.id})
    assert [(row["period"], row["net_total"]) for row in days] == [("2025-03-01", D("10.00")),
                                                                   ("2025-03-02", D("20.00"))]


def test_sites_spanning_time_zones_are_each_cut_at_their_own_midnight(
        db, shanghai, los_angeles, counter_for):
    east, west = counter_for(shanghai), counter_for(los_angeles)
    east_account, west_account = east.open_account(), west.open_account()
    east.recharge(east_account, "1.00", at=at(2025, 3, 1, 15, 59))  # 23:59 on the 1st
    east.recharge(east_account, "2.00", at=at(2025, 3, 1, 16, 1))  # 00:01 on the 2nd
    west.recharge(west_account, "4.00", at=at(2025, 3, 1, 7, 59))  # 23:59 on Feb 28 (PST)
    west.recharge(west_account, "8.00", at=at(2025, 3, 2, 7, 30))  # 23:30 on the 1st
    both = {shanghai.id, los_angeles.id}
    rows = journal_of(db, "day", "2025-03-01", site_ids=both)
    assert sorted((row["site_id"], row["amount"]) for row in rows) == sorted(
        [(shanghai.id, D("1.00")), (los_angeles.id, D("8.00"))])
    days = totals_of(db, "day", None, "2025-02-28", "2025-03-02", site_ids=both)
    assert {(row["site_id"], row["period"]): row["net_total"] for row in days} == {
        (los_angeles.id, "2025-02-28"): D("4.00"), (los_angeles.id, "2025-03-01"): D("8.00"),
        (shanghai.id, "2025-03-01"): D("1.00"), (shanghai.id, "2025-03-02"): D("2.00")}


def test_daylight_saving_day_keeps_its_late_sales(db, make_site, counter_for):
    # On 2025-03-09 New York skips 02:00-03:00; the day ends at 04:00 UTC on the 10th.
    site = make_site(timezone="America/New_York")
    desk = counter_for(site)
    account = desk.open_account()
    desk.recharge(account, "5.00", at=at(2025, 3, 10, 3, 59))  # 23:59 EDT on the 9th
    desk.recharge(account, "6.00", at=at(2025, 3, 10, 4, 0))  # 00:00 EDT on the 10th
    rows = journal_of(db, "day", "2025-03-09", site_ids={site.id})
    assert [(row["amount"], row["local_date"]) for row in rows] == [(D("5.00"), "2025-03-09")]


@pytest.fixture
def mixed_day(db, shanghai, counter_for):
    """Two operators at one site on 2025-03-01 (local): sales, a refund and a reversal."""
    desk, colleague = counter_for(shanghai), counter_for(shanghai)
    account = desk.open_account()
    noon = at(2025, 3, 1, 4, 0)
    desk.recharge(account, "100.00", at=noon)
    card = desk.recharge(account, "50.00", Channel.BANK_CARD, at=noon)
    desk.refund(account, "30.00", at=noon)
    desk.reverse(card, at=noon)
    colleague.recharge(account, "7.00", at=noon)
    return desk, colleague, account, card


def test_day_totals_net_refunds_and_reversals(db, shanghai, mixed_day):
    [row] = totals_of(db, "day", "2025-03-01", site_ids={shanghai.id})
    assert (row["recharge_count"], row["recharge_total"]) == (3, D("157.00"))
    assert (row["refund_count"], row["refund_total"]) == (1, D("30.00"))
    assert (row["reversal_count"], row["reversal_total"]) == (1, D("50.00"))
    assert (row["count"], row["net_total"]) == (5, D("77.00"))
    assert row["channel"] is None and row["operator"] is None


def test_totals_by_channel_and_operator(db, shanghai, mixed_day):
    desk, colleague, _account, _card = mixed_day
    by_channel = totals_of(db, "day", "2025-03-01", site_ids={shanghai.id},
                           by={Breakdown.CHANNEL})
    assert {row["channel"]: (row["count"], row["net_total"]) for row in by_channel} == {
        Channel.CASH: (3, D("77.00")), Channel.BANK_CARD: (2, D("0.00"))}
    both = totals_of(db, "day", "2025-03-01", site_ids={shanghai.id},
                     by={Breakdown.CHANNEL, Breakdown.OPERATOR})
    assert {(row["operator"], row["channel"]): row["net_total"] for row in both} == {
        (desk.operator.username, Channel.CASH): D("70.00"),
        (desk.operator.username, Channel.BANK_CARD): D("0.00"),
        (colleague.operator.username, Channel.CASH): D("7.00")}
    mine = totals_of(db, "day", "2025-03-01", site_ids={shanghai.id},
                     operator_id=colleague.operator.id)
    assert [row["net_total"] for row in mine] == [D("7.00")]


def test_journal_lists_receipts_in_order_with_signs(db, shanghai, mixed_day):
    _desk, _colleague, _account, card = mixed_day
    rows = journal_of(db, "day", "2025-03-01", site_ids={shanghai.id})
    assert [row["receipt_number"] for row in rows] == [1, 2, 3, 4, 5]
    assert [(row["kind"].value, row["status"].value, row["signed_amount"]) for row in rows] == [
        ("recharge", "completed", D("100.00")), ("recharge", "reversed", D("50.00")),
        ("refund", "completed", D("-30.00")), ("reversal", "completed", D("-50.00")),
        ("recharge", "completed", D("7.00"))]
    assert rows[3]["reverses_receipt_number"] == card.receipt_number
    refunds = journal_of(db, "day", "2025-03-01", site_ids={shanghai.id}, kind="refund")
    assert [row["amount"] for row in refunds] == [D("30.00")]


def test_a_reversal_after_midnight_nets_on_the_next_day(db, shanghai, counter_for):
    desk = counter_for(shanghai)
    account = desk.open_account()
    sale = desk.recharge(account, "40.00", at=at(2025, 3, 1, 15, 50))  # 23:50 local
    desk.reverse(sale, at=at(2025, 3, 1, 16, 10))  # 00:10 local, same shift
    days = totals_of(db, "day", None, "2025-03-01", "2025-03-02", site_ids={shanghai.id})
    assert [(row["period"], row["net_total"]) for row in days] == [("2025-03-01", D("40.00")),
                                                                   ("2025-03-02", D("-40.00"))]
    [month] = totals_of(db, "month", "2025-03", site_ids={shanghai.id})
    assert (month["period"], month["count"], month["net_total"]) == ("2025-03", 2, D("0.00"))


def test_months_and_years_are_cut_in_local_time(db, los_angeles, counter_for):
    desk = counter_for(los_angeles)
    account = desk.open_account()
    desk.recharge(account, "1.00", at=at(2025, 1, 1, 7, 59))  # 23:59 on Dec 31, 2024
    desk.recharge(account, "2.00", at=at(2025, 1, 1, 8, 0))  # midnight, Jan 1
    desk.recharge(account, "4.00", at=at(2025, 2, 1, 7, 0))  # 23:00 on Jan 31
    months = totals_of(db, "month", None, "2024-12", "2025-02", site_ids={los_angeles.id})
    assert [(row["period"], row["net_total"]) for row in months] == [
        ("2024-12", D("1.00")), ("2025-01", D("6.00"))]
    years = totals_of(db, "year", None, "2024", "2025", site_ids={los_angeles.id})
    assert [(row["period"], row["net_total"]) for row in years] == [
        ("2024", D("1.00")), ("2025", D("6.00"))]


def test_pending_refunds_join_the_journal_on_the_day_they_are_approved(
        db, make_site, counter_for):
    from shared_models.sales import sales

    site = make_site(timezone="Asia/Shanghai", refund_approval_threshold=D("10.00"))
    desk, supervisor = counter_for(site), counter_for(site, role="finance")
    account = desk.open_account()
    desk.recharge(account, "80.00", at=at(2025, 3, 1, 4, 0))
    pending = desk.refund(account, "60.00", at=at(2025, 3, 1, 5, 0))
    assert [row["kind"].value for row in journal_of(db, "day", "2025-03-01",
                                                    site_ids={site.id})] == ["recharge"]
    with reports.booked_at(at(2025, 3, 2, 5, 0)):
        sales.approve_refund(db, pending.id, supervisor.operator.id)
    [row] = journal_of(db, "day", "2025-03-02", site_ids={site.id})
    assert (row["kind"].value, row["signed_amount"], row["local_date"]) == (
        "refund", D("-60.00"), "2025-03-02")


def test_reports_see_only_the_sites_given(db, shanghai, los_angeles, counter_for):
    east, west = counter_for(shanghai), counter_for(los_angeles)
    east.recharge(east.open_account(), "1.00", at=at(2025, 3, 1, 4, 0))
    west.recharge(west.open_account(), "2.00", at=at(2025, 3, 1, 20, 0))
    rows = journal_of(db, "day", "2025-03-01", site_ids={los_angeles.id})
    assert [row["site_id"] for row in rows] == [los_angeles.id]
    assert journal_of(db, "day", "2025-03-01", site_ids=set()) == []
