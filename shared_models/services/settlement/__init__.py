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
A batch costs a few queries for the meters on no open account (most of a fleet before it is
let): their cursors move in one statement, and only their overload alarm is looked at.
The caller commits, then announces the returned command ids to the transport.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from shared_models.enums import ControlMode
from shared_models.ledger.books import site_account, wallet_of
from shared_models.ledger.posting import post
from shared_models.ledger.rules import transfer
from shared_models.models import (
    AccountMeter,
    Alarm,
    LedgerAccount,
    Meter,
    MeterState,
    MeterSwap,
    Reading,
    Site,
    TenantAccount,
)
from shared_models.models.accounts import AccountStatus
from shared_models.models.ledger import AccountKind, TransactionKind
from shared_models.models.metering import AlarmKind
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
from shared_models.tariffs.rounding import as_remainder, carry_round
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


class _Batch(_Run):
    """One `settle_meters` call: the rows of its walked meters, loaded (and locked) together."""

    def __init__(self, db: Session, now: datetime) -> None:
        super().__init__(db, now)
        self.links: dict[int, list[AccountMeter]] = {}  # per meter, newest link first
        self.wallets: dict[int, LedgerAccount] = {}  # by tenant account, locked
        self.states: dict[int, MeterState] = {}  # locked
        self.readings: dict[int, list[Reading]] = {}  # after each cursor, in id order
        self.swapped: set[int] = set()  # meters a swap installed
        self.revenue: dict[int, LedgerAccount] = {}

    def load(self, meter_ids: list[int]) -> None:
        db = self.db
        db.scalars(select(Meter).where(Meter.id.in_(meter_ids))).all()  # into the identity map
        for link in db.scalars(select(AccountMeter).where(AccountMeter.meter_id.in_(meter_ids))
                               .options(joinedload(AccountMeter.account)).order_by(AccountMeter.id.desc())):
            self.links.setdefault(link.meter_id, []).append(link)
        # Accounts with their wallets before meter states, the order a sale takes them in
        # (`lock_account`), each in id order; read fresh, so an account closed while this
        # batch waited for the lock is seen closed and billed nothing.
        open_now = {found[0].id for m in meter_ids if (found := self.account_at(m, self.now))}
        if open_now:
            self.wallets = {w.tenant_account_id: w for _account, w in db.execute(
                select(TenantAccount, LedgerAccount)
                .join(LedgerAccount, LedgerAccount.tenant_account_id == TenantAccount.id)
                .where(TenantAccount.id.in_(open_now)).order_by(TenantAccount.id)
                .with_for_update().execution_options(populate_existing=True))}
        self.states = {s.meter_id: s for s in db.scalars(
            select(MeterState).where(MeterState.meter_id.in_(meter_ids)).order_by(MeterState.meter_id)
            .with_for_update().execution_options(populate_existing=True))}
        for meter_id in meter_ids:
            if meter_id not in self.states:
                self.states[meter_id] = state_of(db, meter_id, lock=True)
        after = min(s.settled_reading_id or 0 for s in self.states.values())
        for reading in db.scalars(select(Reading).where(Reading.meter_id.in_(meter_ids), Reading.id > after)
                                  .order_by(Reading.meter_id, Reading.id)):
            if reading.id > (self.states[reading.meter_id].settled_reading_id or 0):
                self.readings.setdefault(reading.meter_id, []).append(reading)

    def account_at(self, meter_id: int, at: datetime) -> tuple[TenantAccount, AccountMeter] | None:
        """`account_at` from the links loaded for the batch."""
        for link in self.links.get(meter_id, ()):
            if link.attached_at <= at and (link.detached_at is None or link.detached_at >= at):
                return (link.account, link) if link.account.status == AccountStatus.OPEN else None
        return None

    def wallet(self, account_id: int) -> LedgerAccount:
        return self.wallets.get(account_id) or wallet_of(self.db, account_id)

    def revenue_of(self, site_id: int) -> LedgerAccount:
        if site_id not in self.revenue:
            self.revenue[site_id] = site_account(self.db, site_id, AccountKind.ENERGY_REVENUE)
        return self.revenue[site_id]


def settle_meters(db: Session, meter_ids: Iterable[int], *, now: datetime | None = None) -> list[int]:
    """Settle each meter's new readings; returns the ids of the commands queued (trip, close,
    recharge pushes) for the caller to announce after it commits."""
    run = _Batch(db, now or utcnow())
    ids = sorted(set(meter_ids))  # a fixed order: row locks never deadlock
    if not ids:
        return []
    db.flush()
    pending = _pending(db, ids)
    run.swapped = set(db.scalars(select(MeterSwap.new_meter_id).where(MeterSwap.new_meter_id.in_(ids))))
    walked = sorted(_maybe_billed(db, pending) | run.swapped)
    _skip_unbilled(run, sorted(set(pending) - set(walked)))
    if not walked:
        return []
    run.load(walked)
    queued: list[int] = []
    for meter_id in walked:
        queued += _settle_meter(run, meter_id)
    return queued


def _pending(db: Session, meter_ids: list[int]) -> dict[int, datetime | None]:
    """Meters with readings after their cursor (the poller moves `last_reading_id` with each
    reading it stores), with the time of the reading the cursor is on."""
    at_cursor = aliased(Reading)
    rows = db.execute(select(MeterState.meter_id, at_cursor.read_at)
                      .outerjoin(at_cursor, at_cursor.id == MeterState.settled_reading_id)
                      .where(MeterState.meter_id.in_(meter_ids),
                             MeterState.last_reading_id > func.coalesce(MeterState.settled_reading_id, 0)))
    return {meter_id: read_at for meter_id, read_at in rows}


def _maybe_billed(db: Session, pending: dict[int, datetime | None]) -> set[int]:
    """The pending meters linked to an open account at or after their cursor: these are walked
    reading by reading (`account_at` then decides), the rest cannot be billed."""
    if not pending:
        return set()
    rows = db.execute(select(AccountMeter.meter_id, AccountMeter.detached_at)
                      .join(TenantAccount, TenantAccount.id == AccountMeter.account_id)
                      .where(AccountMeter.meter_id.in_(list(pending)),
                             TenantAccount.status == AccountStatus.OPEN))
    return {meter_id for meter_id, detached_at in rows
            if detached_at is None or pending[meter_id] is None or detached_at >= pending[meter_id]}


def _skip_unbilled(run: _Batch, meter_ids: list[int]) -> None:
    """Meters on no open account: the cursor moves to the newest reading in one statement, and
    of the follow-up only the overload alarm applies (what `_follow_up` does without an account)."""
    if not meter_ids:
        return
    db = run.db
    cols = MeterState.__table__.c
    moved = db.execute(update(MeterState.__table__)
                       .where(cols.meter_id.in_(meter_ids),
                              cols.last_reading_id > func.coalesce(cols.settled_reading_id, 0))
                       .values(settled_reading_id=cols.last_reading_id)
                       .returning(cols.meter_id, cols.status_bits)).all()
    skipped = set(meter_ids)
    for state in db.identity_map.values():  # the statement went round the session
        if isinstance(state, MeterState) and state.meter_id in skipped:
            db.expire(state, ["settled_reading_id"])
    overloaded = {meter_id for meter_id, bits in moved if bits & enforcement.OVERLOAD_BIT}
    alarmed = set(db.scalars(select(Alarm.meter_id).where(Alarm.kind == AlarmKind.OVERLOAD,
                                                           Alarm.meter_id.in_([m for m, _ in moved]),
                                                           Alarm.cleared_at.is_(None))))
    for meter_id in sorted(overloaded ^ alarmed):  # to raise or to clear: rare
        meter = db.get(Meter, meter_id)
        enforcement.update_alarms(db, run.site(meter.site_id), meter, None,
                                  state_of(db, meter_id, lock=True), None, run.now)


def account_at(db: Session, meter_id: int, at: datetime) -> tuple[TenantAccount, AccountMeter] | None:
    """The open account the meter was attached to at that moment."""
    link = db.scalar(select(AccountMeter).where(
        AccountMeter.meter_id == meter_id, AccountMeter.attached_at <= at,
        (AccountMeter.detached_at.is_(None)) | (AccountMeter.detached_at >= at))
        .order_by(AccountMeter.id.desc()).limit(1))
    if link is None or link.account.status != AccountStatus.OPEN:
        return None
    return link.account, link


def _settle_meter(run: _Batch, meter_id: int) -> list[int]:
    db = run.db
    meter = db.get(Meter, meter_id)
    if meter is None:
        return []
    state = run.states[meter_id]  # locked by run.load, after the wallet
    readings = run.readings.get(meter_id, [])
    swap = swap_into(db, meter_id) if meter_id in run.swapped else None
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
    return _follow_up(run, meter, state, run.account_at(meter_id, run.now))


def _book(run: _Batch, meter: Meter, start: Point, end: Point) -> None:
    found = run.account_at(meter.id, end.read_at)
    if found is None or start.read_at < found[1].attached_at:
        return  # not on an open account for the whole interval: no money
    account = found[0]
    site = run.site(meter.site_id)
    if meter.control_mode == ControlMode.LOCAL:
        local_credit.book_consumption(run.db, site, meter, start, end,
                                      lambda: run.price(meter, start, end).total_due)
    else:
        _bill(run, meter, account, start, end, f"consume:{meter.id}:{end.reading_id}",
              run.states[meter.id])


def _bill(run: _Batch, meter: Meter, account: TenantAccount, start: Point, end: Point,
          key: str, state: MeterState) -> None:
    """Take the priced energy from the wallet (into arrears if need be), once.

    The meter's running bill is rounded once, not each interval: the interval's exact cost
    joins the carried remainder and only whole cents are posted (`carry_round`), so a meter's
    postings always add up to its exact cost rounded half-up. `billed_until` marks the energy
    already in the carry, so an interval is never counted twice, posted or not."""
    if end.total <= start.total or end.read_at <= start.read_at:
        return
    if (state.billed_until is not None and end.read_at <= state.billed_until) \
            or local_credit.posted(run.db, meter.site_id, key):
        return
    breakdown = run.price(meter, start, end)
    carry = Fraction(state.cost_carry or 0) if state.carry_account_id == account.id else Fraction(0)
    amount, carry = carry_round(carry, breakdown.total)
    state.cost_carry, state.carry_account_id = as_remainder(carry), account.id
    state.billed_until = end.read_at
    if amount == 0:
        return
    wallet = run.wallet(account.id)
    revenue = run.revenue_of(meter.site_id)
    note = " (estimated after a gap)" if breakdown.estimated else ""
    post(run.db, site_id=meter.site_id, kind=TransactionKind.CONSUMPTION,
         legs=transfer(wallet.id, revenue.id, amount), external_key=key,
         reason=f"meter {meter.serial_number}: {end.total - start.total} kWh{note}",
         may_overdraw={wallet.id})


def _bill_swap_final(run: _Batch, swap: MeterSwap) -> None:
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
    old_state = state_of(run.db, old.id, lock=True)
    _bill(run, old, account, point_of(last), final_point(swap), key, old_state)
    # The account's sub-cent remainder goes on with the new meter, as its history does.
    new_state = run.states[swap.new_meter_id]
    if old_state.carry_account_id == account.id and old_state.cost_carry \
            and new_state.carry_account_id in (None, account.id):
        new_state.cost_carry = (new_state.cost_carry or 0) + old_state.cost_carry
        new_state.carry_account_id, old_state.cost_carry = account.id, Decimal(0)


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
