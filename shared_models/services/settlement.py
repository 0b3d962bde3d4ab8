"""Settlement after each poll: bill or book every new reading, then alarms and enforcement.

`settle_meters` walks each meter's readings after its cursor (`MeterState.settled_reading_id`)
under the meter-state row lock, so two workers never settle one meter at once:
- remote mode (远程费控): the energy between two billable readings is priced with the tariff
  engine (per-band profile from the rate registers, tier cumulative from the readings, a
  catch-up after a gap marked estimated) and taken from the wallet (it may run into arrears);
- local mode (本地费控): the fall of the meter's own balance is booked (`local_credit`);
- the first reading of a meter only sets the baseline; a swap's start reading is the new
  meter's baseline, and the old meter's last stretch up to its final reading is billed once;
- readings of a meter not on an open account, or taken before it was attached, move the
  cursor and no money. Every booking has an external key (`consume:<meter>:<reading>`), so a
  re-run never bills twice.
The caller commits, then announces the returned command ids to the transport.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.ledger.books import site_account, wallet_of
from shared_models.ledger.posting import post
from shared_models.ledger.rules import transfer
from shared_models.models import AccountMeter, Meter, MeterSwap, Reading, Site, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.models.ledger import AccountKind, TransactionKind
from shared_models.services import enforcement, local_credit
from shared_models.services.meter_history import (
    PeriodUsage,
    Point,
    baseline,
    billable,
    final_point,
    last_billable,
    point_of,
    profile_between,
    start_point,
    swap_into,
)
from shared_models.services.meter_states import state_of
from shared_models.services.tariffs import tariff_for_meter
from shared_models.tariffs import GapPolicy, cost
from shared_models.types import utcnow

# Session.info key: (command id, bus id) pairs queued inside a request, for the edge to
# announce once the request commits (backoffice/announce.py).
ANNOUNCE = "wk_commands_to_announce"


class _Run:
    """What one settlement call shares across its meters: sites, tariffs, tier usage."""

    def __init__(self, db: Session, now: datetime) -> None:
        self.db, self.now = db, now
        self.tariffs: dict = {}
        self.usage = PeriodUsage(db)
        self.sites: dict[int, Site] = {}

    def site(self, site_id: int) -> Site:
        if site_id not in self.sites:
            self.sites[site_id] = self.db.get(Site, site_id)
        return self.sites[site_id]

    def price(self, meter: Meter, start: Point, end: Point):
        """The engine's breakdown of the energy between two points of one meter's history."""
        site = self.site(meter.site_id)
        tariff = tariff_for_meter(self.db, meter.id, self.tariffs)
        return cost(tariff, start.read_at, end.read_at, end.total - start.total, site.timezone,
                    self.usage.before(meter.id, tariff, site.timezone, start),
                    profile_between(start, end),
                    gap=GapPolicy(timedelta(seconds=site.poll_interval_s)))


def settle_meters(db: Session, meter_ids: Iterable[int], *, now: datetime | None = None) -> list[int]:
    """Settle each meter's new readings; returns the ids of the commands queued (trip, close,
    recharge pushes) for the caller to announce after it commits."""
    run = _Run(db, now or utcnow())
    queued: list[int] = []
    for meter_id in sorted(set(meter_ids)):  # a fixed order: row locks never deadlock
        queued += _settle_meter(run, meter_id)
    return queued


def account_at(db: Session, meter_id: int, at: datetime) -> tuple[TenantAccount, AccountMeter] | None:
    """The open account the meter was attached to at that moment."""
    link = db.scalar(select(AccountMeter).where(
        AccountMeter.meter_id == meter_id, AccountMeter.attached_at <= at,
        (AccountMeter.detached_at.is_(None)) | (AccountMeter.detached_at >= at))
        .order_by(AccountMeter.id.desc()).limit(1))
    if link is None or link.account.status != AccountStatus.OPEN:
        return None
    return link.account, link


def _settle_meter(run: _Run, meter_id: int) -> list[int]:
    db = run.db
    meter = db.get(Meter, meter_id)
    if meter is None:
        return []
    current = account_at(db, meter_id, run.now)
    if current is not None:  # wallet before meter state, the order a sale takes them in
        wallet_of(db, current[0].id, lock=True)
    state = state_of(db, meter_id, lock=True)
    readings = db.scalars(select(Reading).where(Reading.meter_id == meter_id,
                                                Reading.id > (state.settled_reading_id or 0))
                          .order_by(Reading.id)).all()
    swap = swap_into(db, meter_id)
    if swap is not None:
        _bill_swap_final(run, swap)
    base = baseline(db, meter_id, state.settled_reading_id)
    for reading in readings:
        state.settled_reading_id = reading.id
        if not billable(reading):
            continue
        end = point_of(reading)
        if swap is not None and swap.swapped_at <= end.read_at and (
                base is None or base.read_at < swap.swapped_at):
            base = start_point(swap)
        if base is None:
            base = end
            continue
        if end.read_at <= base.read_at or end.total < base.total:
            continue  # out of order or backwards without the flag: never billed, never a base
        _book(run, meter, base, end)
        base = end
    db.flush()
    if not readings:
        return []
    return _follow_up(run, meter, state)


def _book(run: _Run, meter: Meter, start: Point, end: Point) -> None:
    found = account_at(run.db, meter.id, end.read_at)
    if found is None or start.read_at < found[1].attached_at:
        return  # not on an open account for the whole interval: no money
    account = found[0]
    site = run.site(meter.site_id)
    if meter.control_mode == ControlMode.LOCAL:
        local_credit.book_consumption(run.db, site, meter, start, end,
                                      lambda: run.price(meter, start, end).total_due)
    else:
        _bill(run, meter, account, start, end, f"consume:{meter.id}:{end.reading_id}")


def _bill(run: _Run, meter: Meter, account: TenantAccount, start: Point, end: Point,
          key: str) -> None:
    """Take the priced energy from the wallet (into arrears if need be), once per key."""
    if end.total <= start.total or end.read_at <= start.read_at:
        return
    if local_credit.posted(run.db, meter.site_id, key):
        return
    breakdown = run.price(meter, start, end)
    amount = breakdown.total_due
    if amount <= Decimal("0.00"):
        return
    wallet = wallet_of(run.db, account.id)
    revenue = site_account(run.db, meter.site_id, AccountKind.ENERGY_REVENUE)
    note = " (estimated after a gap)" if breakdown.estimated else ""
    post(run.db, site_id=meter.site_id, kind=TransactionKind.CONSUMPTION,
         legs=transfer(wallet.id, revenue.id, amount), external_key=key,
         reason=f"meter {meter.serial_number}: {end.total - start.total} kWh{note}",
         may_overdraw={wallet.id})


def _bill_swap_final(run: _Run, swap: MeterSwap) -> None:
    """The old meter's last stretch, from its last reading up to the final reading taken at
    the swap, billed to the account once (remote mode)."""
    key = f"swapfinal:{swap.id}"
    old = run.db.get(Meter, swap.old_meter_id)
    if old.control_mode != ControlMode.REMOTE or local_credit.posted(run.db, old.site_id, key):
        return
    last = last_billable(run.db, old.id, until=swap.swapped_at)
    account = run.db.get(TenantAccount, swap.account_id)
    if last is None or account.status != AccountStatus.OPEN:
        return
    _bill(run, old, account, point_of(last), final_point(swap), key)


def _follow_up(run: _Run, meter: Meter, state,
               found: tuple[TenantAccount, AccountMeter] | None = None) -> list[int]:
    """Alarms and enforcement on the meter's newest state; local credit still to push.
    `found` is the meter's account and link now, when the caller knows them."""
    db = run.db
    found = found or account_at(db, meter.id, run.now)
    account = found[0] if found else None
    site = run.site(meter.site_id)
    queued: list[int] = []
    if account is not None and meter.control_mode == ControlMode.LOCAL:
        local_credit.refund_failed_pushes(db, site, meter.id, state.last_read_at,
                                          state.purchase_count)
        push = local_credit.push_credit(db, account.id, now=run.now)
        queued += [push.id] if push is not None else []
    balance = enforcement.balance_of(db, meter, account, state) if account else None
    enforcement.update_alarms(db, site, meter, account, state, balance, run.now)
    if account is not None and balance is not None:
        queued += enforcement.enforce(db, site, meter, account, state, balance, run.now)
    return queued


def after_credit(db: Session, account_id: int, *, now: datetime | None = None) -> list[int]:
    """Right after money reaches a wallet (a sale): push it onto a local-mode meter, clear
    alarms, and close remote-mode relays tripped for arrears, on fresh data. Returns the
    command ids to announce after the caller commits."""
    run = _Run(db, now or utcnow())
    account = db.get(TenantAccount, account_id)  # the caller's, from the session
    # Each meter with its current link: what account_at would find for it again.
    attached = db.execute(select(Meter, AccountMeter).join(AccountMeter, AccountMeter.meter_id == Meter.id)
                          .where(AccountMeter.account_id == account_id, AccountMeter.attached_at <= run.now,
                                 AccountMeter.detached_at.is_(None)).order_by(Meter.id)).all()
    queued: list[int] = []
    for meter, link in attached:
        found = (account, link) if account.status == AccountStatus.OPEN else None
        ids = _follow_up(run, meter, state_of(db, meter.id, lock=True), found)
        db.info.setdefault(ANNOUNCE, []).extend((command_id, meter.bus_id) for command_id in ids)
        queued += ids
    return queued
