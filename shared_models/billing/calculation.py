"""Pricing one bill: each meter's readings at both ends of the period, the energy by band and
tier from the tariff engine, the money as settlement booked it, the fixed charge, the flags.

The bill's energy money is what settlement already booked to the account's unbilled account
for the readings the bill covers (the ledger is the record of money); the engine's breakdown
of the same stretch shows where it came from, and the cents the interval postings differ by
(they are rounded once per meter's running total, not per band) are shown as a rounding line.
A meter's stretch is cut at its last settled billable reading at or before the cut-off, and
the next bill starts where this one ended, so no reading is billed twice or skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Integer, column, delete, func, or_, select, text
from sqlalchemy.orm import Session

from shared_models.billing import review
from shared_models.ledger.postpaid import unbilled_of
from shared_models.metering.meter_history import Point, final_point, point_of, profile_between, start_point
from shared_models.models import AccountMeter, Meter, MeterState, MeterSwap, Reading, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.models.billing import Bill, BillLine, BillLineKind, BillMeter, BillState
from shared_models.models.metering import ReadingQuality
from shared_models.settlement.batch import Run, has_tiers
from shared_models.tariffs import CostBreakdown, GapPolicy, TariffLike, TariffSchedule, cost
from shared_models.tariffs.lookup import tariff_for_meter
from shared_models.tariffs.rounding import round_exact
from shared_models.types import Energy, Money

ZERO = Decimal("0.00")
LIVE = (BillState.CALCULATED, BillState.REVIEWED, BillState.RELEASED, BillState.PARTIALLY_SETTLED,
        BillState.SETTLED, BillState.WRITTEN_OFF)
OWING = (BillState.RELEASED, BillState.PARTIALLY_SETTLED)

# The account's unbilled postings for one meter's readings in (after, upto]: the consumption
# keys settlement gives them (`consume:<meter>:<reading>`), found through their unique index.
# Typed result columns: on SQLite money and energy are scaled integers (`types._ScaledDecimal`).
_POSTED = text("""
SELECT COALESCE(SUM(p.amount), 0) AS total FROM readings r
JOIN ledger_transactions t ON t.site_id = :site
     AND t.external_key = 'consume:' || CAST(r.meter_id AS VARCHAR) || ':' || CAST(r.id AS VARCHAR)
JOIN ledger_postings p ON p.transaction_id = t.id AND p.account_id = :unbilled
WHERE r.meter_id = :meter AND r.id > :after AND r.id <= :upto
""").columns(column("total", Money()))
_FIRST_POSTED = text("""
SELECT MIN(r.id) AS first FROM readings r
JOIN ledger_transactions t ON t.site_id = :site
     AND t.external_key = 'consume:' || CAST(r.meter_id AS VARCHAR) || ':' || CAST(r.id AS VARCHAR)
JOIN ledger_postings p ON p.transaction_id = t.id AND p.account_id = :unbilled
WHERE r.meter_id = :meter AND r.id <= :upto
""")
_SWAP_POSTED = text("""
SELECT COALESCE(SUM(p.amount), 0) AS total FROM ledger_transactions t
JOIN ledger_postings p ON p.transaction_id = t.id AND p.account_id = :unbilled
WHERE t.site_id = :site AND t.external_key = :key
""").columns(column("total", Money()))
# Per reading in (after, upto]: how far the register moved since the reading before, to find
# estimated (catch-up) energy and registers that went backwards, in one pass.
_STEPS = text("""
SELECT
  COALESCE(SUM(CASE WHEN quality = 'catch_up' AND step > 0 THEN step ELSE 0 END), 0) AS estimated,
  MIN(step) AS lowest,
  SUM(CASE WHEN quality = 'regressed' THEN 1 ELSE 0 END) AS regressed
FROM (SELECT quality, total_energy - LAG(total_energy) OVER (ORDER BY id) AS step
      FROM readings WHERE meter_id = :meter AND id >= :start AND id <= :upto) AS steps
""").columns(column("estimated", Energy()), column("lowest", Energy()), column("regressed", Integer()))


@dataclass
class Stretch:
    """One meter's part of a bill."""

    meter: Meter
    start: Point | None
    end: Point | None
    after_id: int  # readings after this id ...
    upto_id: int  # ... up to this one are the bill's
    swap_out: MeterSwap | None = None
    estimated: Decimal = ZERO
    backwards: bool = False
    posted: Decimal = ZERO

    @property
    def kwh(self) -> Decimal:
        if self.start is None or self.end is None:
            return ZERO
        return max(self.end.total - self.start.total, ZERO)


def calculate(db: Session, run: Run, bill: Bill) -> Bill:
    """Price a draft (or recalculate a calculated or reviewed) bill; flush, never commit."""
    account = db.get(TenantAccount, bill.account_id)
    unbilled = unbilled_of(db, account)
    db.execute(delete(BillLine).where(BillLine.bill_id == bill.id))
    db.execute(delete(BillMeter).where(BillMeter.bill_id == bill.id))
    stretches = [_stretch(db, bill, link, unbilled.id) for link in _links(db, bill)]
    lines: list[BillLine] = []
    fixed = ZERO
    swapped = False
    for s in stretches:
        s.posted = _posted(db, bill.site_id, unbilled.id, s)
        swapped = swapped or s.swap_out is not None or _swapped_in(db, s.meter.id, bill)
        db.add(BillMeter(bill_id=bill.id, meter_id=s.meter.id,
                         start_reading_id=s.start.reading_id if s.start else None,
                         end_reading_id=s.upto_id if s.end else None,
                         start_at=s.start.read_at if s.start else None,
                         end_at=s.end.read_at if s.end else None,
                         start_total=s.start.total if s.start else ZERO,
                         end_total=s.end.total if s.end else ZERO, kwh=s.kwh))
        if s.start is not None and s.end is not None and s.end.read_at > s.start.read_at and s.kwh > 0:
            for line in _breakdown(run, s.meter, s.start, s.end).lines:
                lines.append(BillLine(kind=BillLineKind.ENERGY, meter_id=s.meter.id, band=line.band.value,
                                      tier=line.tier, kwh=line.kwh, price=line.price,
                                      amount=round_exact(line.amount)))
        fixed += _monthly_charge(run, s.meter, bill.period_end)
    energy_amount = sum((s.posted for s in stretches), ZERO)
    rounding = energy_amount - sum((line.amount for line in lines), ZERO)
    if rounding:
        lines.append(BillLine(kind=BillLineKind.ROUNDING, amount=rounding))
    if fixed:
        lines.append(BillLine(kind=BillLineKind.FIXED, amount=fixed))
    for position, line in enumerate(lines, start=1):
        line.bill_id, line.position = bill.id, position
        db.add(line)
    site = run.site(bill.site_id)
    bill.energy_kwh = sum((s.kwh for s in stretches), ZERO)
    bill.estimated_kwh = sum((s.estimated for s in stretches), ZERO)
    bill.energy_amount, bill.fixed_charge, bill.power_factor_adjustment = energy_amount, fixed, ZERO
    bill.charges = energy_amount + fixed
    bill.previous_balance = previous_balance(db, bill)
    bill.flags = ",".join(review.exceptions(
        kwh=bill.energy_kwh, estimated_kwh=bill.estimated_kwh, history=_history(db, bill),
        is_open=account.status == AccountStatus.OPEN, swapped=swapped,
        backwards=any(s.backwards for s in stretches),
        change_pct=site.bill_change_pct, estimated_pct=site.bill_estimated_pct))
    bill.state = BillState.CALCULATED
    bill.accepted_by_id, bill.review_note, bill.reviewed_by_id = None, "", None
    db.flush()
    return bill


def _links(db: Session, bill: Bill) -> list[AccountMeter]:
    """The account's meter links that overlap the period, one per meter (the newest)."""
    links = db.scalars(select(AccountMeter).where(
        AccountMeter.account_id == bill.account_id, AccountMeter.attached_at < bill.period_end,
        or_(AccountMeter.detached_at.is_(None), AccountMeter.detached_at > bill.period_start))
        .order_by(AccountMeter.meter_id, AccountMeter.id.desc()))
    newest: dict[int, AccountMeter] = {}
    for link in links:
        newest.setdefault(link.meter_id, link)
    return list(newest.values())


def _stretch(db: Session, bill: Bill, link: AccountMeter, unbilled_id: int) -> Stretch:
    meter = db.get(Meter, link.meter_id)
    settled = db.scalar(select(MeterState.settled_reading_id).where(MeterState.meter_id == meter.id)) or 0
    billable = select(Reading).where(Reading.meter_id == meter.id,
                                     Reading.quality != ReadingQuality.REGRESSED)
    previous = db.scalar(select(BillMeter).join(Bill, Bill.id == BillMeter.bill_id).where(
        BillMeter.meter_id == meter.id, Bill.account_id == bill.account_id, Bill.id != bill.id,
        Bill.state.in_(LIVE), BillMeter.end_reading_id.is_not(None))
        .order_by(BillMeter.end_reading_id.desc()).limit(1))
    swap_in = db.scalar(select(MeterSwap).where(
        MeterSwap.new_meter_id == meter.id, MeterSwap.account_id == bill.account_id,
        MeterSwap.swapped_at >= bill.period_start, MeterSwap.swapped_at < bill.period_end))
    swap_out = db.scalar(select(MeterSwap).where(
        MeterSwap.old_meter_id == meter.id, MeterSwap.account_id == bill.account_id,
        MeterSwap.swapped_at >= bill.period_start, MeterSwap.swapped_at <= bill.period_end))
    # Never billed since a cancelled bill: its stretch is billed again from where it began.
    cancelled = None if previous is not None else db.scalar(
        select(BillMeter).join(Bill, Bill.id == BillMeter.bill_id).where(
            BillMeter.meter_id == meter.id, Bill.account_id == bill.account_id,
            Bill.state == BillState.CANCELLED, BillMeter.start_reading_id.is_not(None))
        .order_by(BillMeter.start_reading_id).limit(1))
    if previous is not None or cancelled is not None:
        start_reading = db.get(Reading, previous.end_reading_id if previous is not None
                               else cancelled.start_reading_id)
        start = point_of(start_reading)
    elif swap_in is not None:
        start_reading, start = None, start_point(swap_in)
    else:
        # The first bill starts at the baseline of the first reading booked to the unbilled
        # account: what was read before (while prepaid) is not the bill's. Nothing booked yet:
        # an empty stretch at the last settled reading.
        first = db.scalar(_FIRST_POSTED, {"site": bill.site_id, "unbilled": unbilled_id,
                                          "meter": meter.id, "upto": settled})
        before = billable.where(Reading.id < first) if first is not None else \
            billable.where(Reading.id <= settled, Reading.read_at <= bill.period_end)
        start_reading = db.scalar(before.order_by(Reading.id.desc()).limit(1))
        start = point_of(start_reading) if start_reading is not None else None
    after_id = start_reading.id if start_reading is not None else 0
    end_reading = db.scalar(billable.where(Reading.read_at <= bill.period_end, Reading.id <= settled,
                                           Reading.id > after_id)
                            .order_by(Reading.id.desc()).limit(1))
    end = point_of(end_reading) if end_reading is not None else start
    upto_id = end_reading.id if end_reading is not None else after_id
    if swap_out is not None and (end is None or end.read_at <= swap_out.swapped_at):
        end = final_point(swap_out)
    stretch = Stretch(meter, start, end, after_id, upto_id, swap_out)
    if upto_id > after_id:
        estimated, lowest, regressed = db.execute(
            _STEPS, {"meter": meter.id, "start": after_id or upto_id, "upto": upto_id}).one()
        stretch.estimated = estimated
        stretch.backwards = bool(regressed) or (lowest is not None and lowest < 0)
    return stretch


def _posted(db: Session, site_id: int, unbilled_id: int, s: Stretch) -> Decimal:
    """What settlement booked to the unbilled account for the stretch (a positive amount)."""
    total = db.scalar(_POSTED, {"site": site_id, "unbilled": unbilled_id, "meter": s.meter.id,
                                "after": s.after_id, "upto": s.upto_id})
    if s.swap_out is not None:
        total += db.scalar(_SWAP_POSTED, {"site": site_id, "unbilled": unbilled_id,
                                          "key": f"swapfinal:{s.swap_out.id}"})
    return -total


def _swapped_in(db: Session, meter_id: int, bill: Bill) -> bool:
    return db.scalar(select(func.count()).select_from(MeterSwap).where(
        MeterSwap.new_meter_id == meter_id, MeterSwap.swapped_at >= bill.period_start,
        MeterSwap.swapped_at < bill.period_end)) > 0


def _breakdown(run: Run, meter: Meter, start: Point, end: Point) -> CostBreakdown:
    """The engine's lines for a meter's stretch, from the inputs settlement prices with
    (`Run.price`): the tariff, the tier usage before it, the rate registers' profile."""
    site = run.site(meter.site_id)
    tariff = _tariff(run, meter)
    before = run.usage.before(meter.id, tariff, site.timezone, start) if has_tiers(tariff) else 0
    return cost(tariff, start.read_at, end.read_at, end.total - start.total, site.timezone, before,
                profile_between(start, end), gap=GapPolicy(timedelta(seconds=site.poll_interval_s)))


def _tariff(run: Run, meter: Meter) -> TariffLike:
    if meter.id not in run.tariffs:
        run.tariffs[meter.id] = tariff_for_meter(run.db, meter.id, run.tariff_cache)
    return run.tariffs[meter.id]


def _monthly_charge(run: Run, meter: Meter, moment: datetime) -> Decimal:
    """The fixed charge of the tariff version in force at the period's end."""
    tariff = _tariff(run, meter)
    if isinstance(tariff, TariffSchedule):
        tariff = tariff.version_at(moment, run.site(meter.site_id).timezone)
    return tariff.monthly_charge


def previous_balance(db: Session, bill: Bill) -> Decimal:
    """What the account still owes on its other released bills, now."""
    owed = db.scalar(select(func.coalesce(func.sum(Bill.charges - Bill.payments), 0)).where(
        Bill.account_id == bill.account_id, Bill.id != bill.id, Bill.state.in_(OWING)))
    return Decimal(owed).quantize(Decimal("0.01"))


def _history(db: Session, bill: Bill) -> list[Decimal]:
    """The kWh of the account's last 3 bills before this one."""
    return list(db.scalars(select(Bill.energy_kwh).where(
        Bill.account_id == bill.account_id, Bill.period_end <= bill.period_start,
        Bill.state.in_(LIVE)).order_by(Bill.period_end.desc()).limit(3)))
