"""Stored tariffs: versions by effective date, precedence, immutability, publishing, dry run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from shared_models.errors import Conflict, InvalidValue, RuleViolation
from shared_models.models import AccountMeter, Reading
from shared_models.models.metering import ReadingQuality
from shared_models.models.tariffs import TariffPlanVersion, VersionStatus
from shared_models.sales import accounts
from shared_models.tariffs import Band, Tariff
from shared_models.tariffs import store as store
from shared_models.tariffs.dry_run import last_month, month_bounds

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = Decimal
TOU = {
    "prices": {"valley": "0.3000", "peak": "0.9000", "flat": "0.6000"},
    "time_of_use": {"day_plan": [["23:00", "07:00", "valley"], ["07:00", "11:00", "peak"],
                                 ["11:00", "23:00", "flat"]]},
}


def flat(price: str) -> dict:
    return Tariff.flat(price).to_dict()


def today() -> date:
    return datetime.now(SHANGHAI).date()


def local(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def price_at(tariff, moment: datetime) -> Decimal:
    version = tariff.version_at(moment) if hasattr(tariff, "version_at") else tariff
    return version.price_for(Band.FLAT)


@pytest.fixture
def site(make_site):
    return make_site(default_price=D("0.6000"))


@pytest.fixture
def meter(make_meter, make_gateway, site):
    bus = make_gateway(site=site).buses[0]
    return lambda: make_meter(bus=bus)


def published(db, site, code: str, *versions: tuple[date, dict]):
    plan = store.create_plan(db, site.id, code, code)
    for effective_from, tariff in versions:
        store.publish_version(db, store.add_version(db, plan.id, effective_from, tariff).id)
    return plan


def test_schedule_picks_the_version_in_force_at_each_time(db, site, meter):
    m = meter()
    first, second = today() + timedelta(days=2), today() + timedelta(days=40)
    plan = published(db, site, "P", (second, flat("0.8000")), (first, flat("0.5000")))
    store.set_site_default(db, site.id, plan.id)
    tariff = store.tariff_for_meter(db, m.id)
    assert price_at(tariff, local(first) - timedelta(seconds=1)) == D("0.6000")  # default price
    assert price_at(tariff, local(first)) == D("0.5000")
    assert price_at(tariff, local(second, 12)) == D("0.8000")


def test_precedence_meter_then_account_then_site_then_default_price(db, site, meter):
    m, other = meter(), meter()
    account = accounts.open_account(db, {"site_id": site.id, "meter_ids": [m.id, other.id],
                                         "tenant_name": "王"}, operator_id=None)
    start = today() + timedelta(days=1)
    site_plan, account_plan, meter_plan = (
        published(db, site, code, (start, flat(p)))
        for code, p in (("SITE", "0.5000"), ("ACCT", "0.7000"), ("OWN", "0.9000")))
    later = local(start, 12)

    def source(meter_id):
        found = store.effective_tariff(db, meter_id)
        return found.source, price_at(found.tariff, later)

    assert source(m.id) == ("default_price", D("0.6000"))
    store.set_site_default(db, site.id, site_plan.id)
    assert source(m.id) == ("site", D("0.5000"))
    store.assign_to_account(db, account_plan.id, account.id)
    assert source(m.id) == ("account", D("0.7000"))
    store.assign_to_meters(db, meter_plan.id, [m.id])
    assert source(m.id) == ("meter", D("0.9000")) and source(other.id)[0] == "account"
    store.assign_to_meters(db, None, [m.id])
    assert source(m.id)[0] == "account"


def test_a_plan_with_only_drafts_is_skipped(db, site, meter):
    m = meter()
    plan = store.create_plan(db, site.id, "DRAFTY", "drafts only")
    store.add_version(db, plan.id, today(), flat("9.0000"))
    store.assign_to_meters(db, plan.id, [m.id])
    assert store.effective_tariff(db, m.id).source == "default_price"


def test_plans_stay_within_their_site(db, site, meter, make_site):
    foreign = store.create_plan(db, make_site().id, "X", "elsewhere")
    with pytest.raises(RuleViolation):
        store.assign_to_meters(db, foreign.id, [meter().id])


def test_published_versions_are_immutable(db, site):
    plan = published(db, site, "P", (today(), flat("0.5000")))
    version = plan.versions[0]
    with pytest.raises(Conflict):
        store.save_draft(db, version.id, {"tariff": flat("0.1000")})
    with pytest.raises(Conflict):
        store.delete_draft(db, version.id)
    for statement in (update(TariffPlanVersion).values(note="sneaky"),
                      TariffPlanVersion.__table__.delete()):
        with pytest.raises(DBAPIError), db.begin_nested():
            db.execute(statement.where(TariffPlanVersion.id == version.id))
    assert db.scalar(select(TariffPlanVersion.note).where(TariffPlanVersion.id == version.id)) == ""


def test_drafts_can_change_and_go(db, site):
    plan = store.create_plan(db, site.id, "P", "plan")
    draft = store.add_version(db, plan.id, today(), flat("0.5000"))
    store.save_draft(db, draft.id, {"tariff": TOU, "note": "summer"})
    assert draft.tariff["time_of_use"]["day_plan"][0] == ["23:00", "07:00", "valley"]
    store.delete_draft(db, draft.id)
    assert db.get(TariffPlanVersion, draft.id) is None


def test_publish_is_idempotent(db, site):
    plan = store.create_plan(db, site.id, "P", "plan")
    draft = store.add_version(db, plan.id, today(), flat("0.5000"))
    first = store.publish_version(db, draft.id, None)
    stamp = first.published_at
    again = store.publish_version(db, draft.id, None)
    assert again.id == first.id and again.published_at == stamp
    assert again.status is VersionStatus.PUBLISHED


def test_publish_refuses_the_past_and_a_second_version_on_one_day(db, site):
    plan = store.create_plan(db, site.id, "P", "plan")
    past = store.add_version(db, plan.id, today() - timedelta(days=1), flat("0.5000"))
    with pytest.raises(RuleViolation):
        store.publish_version(db, past.id)
    day = today() + timedelta(days=3)
    store.publish_version(db, store.add_version(db, plan.id, day, flat("0.5000")).id)
    with pytest.raises(Conflict):
        store.publish_version(db, store.add_version(db, plan.id, day, flat("0.7000")).id)


@pytest.mark.parametrize(("tariff", "field"), [
    ({"prices": {"flat": "0.5"}, "colour": "red"}, "tariff.colour"),
    ({"prices": {"flat": "0.55555"}}, "tariff.prices.flat"),
    ({**TOU, "time_of_use": {"day_plan": [["00:00", "12:00", "peak"],
                                          ["11:00", "24:00", "flat"]]}},
     "tariff.time_of_use.day_plan"),
    ({**TOU, "time_of_use": {"day_plan": [["00:00", "25:00", "peak"]]}},
     "tariff.time_of_use.day_plan[0].end"),
    ({"prices": {"flat": "0.5"}, "tiers": {"period": "month", "blocks": [
        {"up_to": "200", "increment": "0"}, {"up_to": "100", "increment": "0.05"},
        {"up_to": None, "increment": "0.3"}]}}, "tariff.tiers.blocks[1].up_to"),
])
def test_bad_tariffs_name_the_path(db, site, tariff, field):
    plan = store.create_plan(db, site.id, "P", "plan")
    with pytest.raises(InvalidValue) as caught:
        store.add_version(db, plan.id, today(), tariff)
    assert caught.value.field == field


def test_schedules_are_cached_per_session_until_a_publish(db, site, meter):
    m = meter()
    plan = published(db, site, "P", (today(), flat("0.5000")))
    store.set_site_default(db, site.id, plan.id)
    first = store.tariff_for_meter(db, m.id)
    assert store.tariff_for_meter(db, m.id) is first
    store.publish_version(db, store.add_version(db, plan.id, today() + timedelta(days=9),
                                                flat("0.7000")).id)
    assert len(store.tariff_for_meter(db, m.id).versions) == len(first.versions) + 1
    mine: dict = {}
    assert store.tariff_for_meter(db, m.id, mine) is store.tariff_for_meter(db, m.id, mine)


# --- dry run -----------------------------------------------------------------------------------

MARCH = date(2026, 3, 1)


def read(db, meter_id: int, at: datetime, total: str,
         quality: ReadingQuality = ReadingQuality.GOOD) -> None:
    zero = D("0.00")
    db.add(Reading(meter_id=meter_id, read_at=at.astimezone(UTC), total_energy=D(total),
                   energy_sharp=zero, energy_peak=zero, energy_flat=zero, energy_valley=zero,
                   balance=zero, quality=quality))


def open_since(db, site, meter_ids, name: str, since=datetime(2026, 1, 1, tzinfo=UTC)):
    account = accounts.open_account(db, {"site_id": site.id, "meter_ids": meter_ids,
                                         "tenant_name": name}, operator_id=None)
    for link in db.scalars(select(AccountMeter).where(AccountMeter.account_id == account.id)):
        link.attached_at = since
    db.flush()
    return account


@pytest.fixture
def march(db, site, meter):
    """Two accounts' March readings, and a meter on a plan of its own."""
    a, b, own = meter(), meter(), meter()
    first = open_since(db, site, [a.id], "A")
    second = open_since(db, site, [b.id], "B")
    third = open_since(db, site, [own.id], "C")
    read(db, a.id, datetime(2026, 2, 28, 23, tzinfo=SHANGHAI), "90.00")  # straddles: left out
    read(db, a.id, datetime(2026, 3, 2, 0, tzinfo=SHANGHAI), "100.00")
    read(db, a.id, datetime(2026, 3, 2, 8, tzinfo=SHANGHAI), "110.00")
    read(db, a.id, datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), "5.00", ReadingQuality.REGRESSED)
    read(db, a.id, datetime(2026, 3, 2, 12, tzinfo=SHANGHAI), "130.00")
    read(db, b.id, datetime(2026, 3, 5, 22, tzinfo=SHANGHAI), "0.00")
    read(db, b.id, datetime(2026, 3, 6, 0, tzinfo=SHANGHAI), "4.00")
    read(db, own.id, datetime(2026, 3, 6, 0, tzinfo=SHANGHAI), "0.00")
    read(db, own.id, datetime(2026, 3, 7, 0, tzinfo=SHANGHAI), "50.00")
    own_plan = published(db, site, "OWN", (today(), flat("2.0000")))
    store.assign_to_meters(db, own_plan.id, [own.id])
    db.flush()
    return first, second, third


def test_monthly_consumption_pairs_billed_readings_within_the_month(db, site, march):
    records = store.monthly_consumption(db, site.id, MARCH)
    assert sorted((r.account_id, r.energy_kwh) for r in records) == sorted([
        (march[0].id, D("10.00")), (march[0].id, D("20.00")), (march[1].id, D("4.00")),
        (march[2].id, D("50.00"))])


def test_dry_run_of_a_new_plan_as_site_default_hand_computed(db, site, march):
    plan = store.create_plan(db, site.id, "TOU", "time of use")
    draft = store.add_version(db, plan.id, today() + timedelta(days=5), TOU)
    rows = store.dry_run(db, site.id, draft.id, MARCH)
    # A: 00-08h 10 kWh = 8.75 valley + 1.25 peak = 2.625 + 1.125 = 3.75;
    #    08-12h 20 kWh = 15 peak + 5 flat = 13.50 + 3.00 = 16.50. Old: 30 kWh x 0.60 = 18.00.
    # B: 22-24h 4 kWh = 2 flat + 2 valley = 1.20 + 0.60 = 1.80. Old: 4 x 0.60 = 2.40.
    # C has a plan of its own, so a new site default does not touch it.
    assert [(r.account_id, r.kwh, r.old_cost, r.new_cost, r.difference) for r in rows] == [
        (march[0].id, D("30.00"), D("18.00"), D("20.25"), D("2.25")),
        (march[1].id, D("4.00"), D("2.40"), D("1.80"), D("-0.60")),
    ]


def test_dry_run_compares_with_the_published_history(db, site, march):
    plan = store.create_plan(db, site.id, "FLAT", "flat")
    # Published long ago (inserted as history: the service refuses back-dated publishing).
    db.add(TariffPlanVersion(plan_id=plan.id, effective_from=date(2026, 1, 1), tariff=flat("0.5000"),
                             status=VersionStatus.PUBLISHED, note=""))
    store.set_site_default(db, site.id, plan.id)
    draft = store.add_version(db, plan.id, today() + timedelta(days=5), flat("0.5500"))
    rows = store.dry_run(db, site.id, draft.id, MARCH)
    assert [(r.old_cost, r.new_cost, r.difference) for r in rows] == [
        (D("15.00"), D("16.50"), D("1.50")), (D("2.00"), D("2.20"), D("0.20"))]


def test_a_draft_with_every_price_doubled_doubles_each_accounts_exact_cost(db, site, meter):
    # Hundredths of a kWh every few minutes, as a 60 s poll sees a quiet shop: each interval
    # costs well under a cent; rounded once per account, the doubled draft costs twice as much.
    quiet = meter()
    account = open_since(db, site, [quiet.id], "Q")
    for step in range(25):
        read(db, quiet.id, datetime(2026, 3, 3, 9, tzinfo=SHANGHAI) + timedelta(minutes=3 * step),
             f"{7 + step / 100:.2f}")
    db.flush()
    plan = store.create_plan(db, site.id, "FLAT", "flat")
    db.add(TariffPlanVersion(plan_id=plan.id, effective_from=date(2026, 1, 1), tariff=flat("0.6433"),
                             status=VersionStatus.PUBLISHED, note=""))
    store.set_site_default(db, site.id, plan.id)
    draft = store.add_version(db, plan.id, today() + timedelta(days=5), flat("1.2866"))
    (row,) = [r for r in store.dry_run(db, site.id, draft.id, MARCH) if r.account_id == account.id]
    # 0.24 kWh: 0.154392 -> 0.15 and 0.308784 -> 0.31 (per interval: 24 x 0.01 under both)
    assert (row.kwh, row.old_cost, row.new_cost) == (D("0.24"), D("0.15"), D("0.31"))


def test_last_month_is_cut_at_local_midnight():
    assert last_month(SHANGHAI, date(2026, 1, 15)) == date(2025, 12, 1)
    start, end = month_bounds(date(2026, 3, 1), SHANGHAI)
    assert start == datetime(2026, 2, 28, 16, tzinfo=UTC) and end == datetime(2026, 3, 31, 16,
                                                                                  tzinfo=UTC)
