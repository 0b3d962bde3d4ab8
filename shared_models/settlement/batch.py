"""What one settlement call loads for its meters, in a few set-based queries, and shares."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, inspect, select, text, update
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from shared_models.ledger.books import site_account, wallet_of
from shared_models.ledger.posting import Entry
from shared_models.metering.meter_history import PeriodUsage, Point, baselines, profile_between
from shared_models.metering.meter_states import state_of
from shared_models.models import (
    AccountMeter,
    LedgerAccount,
    LedgerTransaction,
    Meter,
    MeterState,
    MeterSwap,
    Reading,
    Site,
    TenantAccount,
)
from shared_models.models.accounts import AccountStatus
from shared_models.models.ledger import AccountKind
from shared_models.tariffs import GapPolicy, TariffLike, TariffSchedule
from shared_models.tariffs.lookup import tariff_for_meter, tariffs_for_meters
from shared_models.tariffs.total import Total, total_cost

from .sets import among

Found = tuple[TenantAccount, AccountMeter]
READINGS = Reading.__table__
STATES = MeterState.__table__
# What billing moves on a meter state: written for a whole batch in one statement.
BILLING_FIELDS = ("settled_reading_id", "cost_carry", "carry_account_id", "billed_until")
_WRITE_STATE = (update(STATES).where(STATES.c.meter_id == bindparam("s_meter"))
                .values({name: bindparam(f"s_{name}") for name in BILLING_FIELDS}))


def has_tiers(tariff: TariffLike) -> bool:
    """Whether any version of the tariff has tiers (only then does usage in a period count)."""
    if isinstance(tariff, TariffSchedule):
        return any(v.tariff.tiers is not None for v in tariff.versions)
    return tariff.tiers is not None


class Run:
    """What one call shares across its meters: sites, tariffs, tier usage."""

    def __init__(self, db: Session, now: datetime) -> None:
        self.db, self.now = db, now
        self.tariff_cache: dict[Any, Any] = {}
        self.tariffs: dict[int, TariffLike] = {}  # by meter
        self.usage = PeriodUsage(db)
        self.sites: dict[int, Site] = {}

    def site(self, site_id: int) -> Site:
        if site_id not in self.sites:
            self.sites[site_id] = self.db.get(Site, site_id)
        return self.sites[site_id]

    def price(self, meter: Meter, start: Point, end: Point) -> Total:
        """The exact cost of the energy between two points of one meter's history."""
        site = self.site(meter.site_id)
        if meter.id not in self.tariffs:
            self.tariffs[meter.id] = tariff_for_meter(self.db, meter.id, self.tariff_cache)
        tariff = self.tariffs[meter.id]
        before = self.usage.before(meter.id, tariff, site.timezone, start) if has_tiers(tariff) else 0
        return total_cost(tariff, start.read_at, end.read_at, end.total - start.total, site.timezone, before,
                    profile_between(start, end), gap=GapPolicy(timedelta(seconds=site.poll_interval_s)))


class Batch(Run):
    """One `settle_meters` call: the rows of its walked meters, loaded (and locked) together,
    and the consumption it bills, posted at the end in one go."""

    def __init__(self, db: Session, now: datetime) -> None:
        super().__init__(db, now)
        self.meters: dict[int, Meter] = {}
        self.links: dict[int, list[AccountMeter]] = {}  # per meter, newest link first
        self.wallets: dict[int, LedgerAccount] = {}  # by tenant account, locked
        self.states: dict[int, MeterState] = {}  # locked
        self.readings: dict[int, list[Row]] = {}  # after each cursor, in id order (reading rows)
        self.swaps: dict[int, MeterSwap] = {}  # the latest swap that installed each meter
        self.bases: dict[int, Point | None] = {}  # where billing starts, at each cursor
        self.posted: set[tuple[int, str]] = set()  # (site, external key) already in the ledger
        self.revenue: dict[int, LedgerAccount] = {}
        self.entries: list[Entry] = []  # consumption to post

    def load(self, meter_ids: list[int]) -> None:
        db = self.db
        for link in db.scalars(select(AccountMeter).where(among(db, AccountMeter.meter_id, meter_ids))
                               .options(joinedload(AccountMeter.account).lazyload(TenantAccount.wallet))
                               .order_by(AccountMeter.id.desc())):
            self.links.setdefault(link.meter_id, []).append(link)
        # Accounts with their wallets before meter states, the order a sale takes them in
        # (`lock_account`), each in id order; read fresh, so an account closed while this
        # batch waited for the lock is seen closed and billed nothing.
        open_now = {found[0].id for m in meter_ids if (found := self.account_at(m, self.now))}
        if open_now:
            for account, wallet in db.execute(
                    select(TenantAccount, LedgerAccount)
                    .join(LedgerAccount, LedgerAccount.tenant_account_id == TenantAccount.id)
                    .where(among(db, TenantAccount.id, sorted(open_now))).order_by(TenantAccount.id)
                    .options(lazyload(TenantAccount.wallet))
                    .with_for_update().execution_options(populate_existing=True)):
                set_committed_value(account, "wallet", wallet)  # as `lock_account` does
                self.wallets[account.id] = wallet
        # The meters with their states, only the states locked (in meter id order); a meter
        # without a state row yet gets one, locked, after.
        for meter, state in db.execute(
                select(Meter, MeterState).join(MeterState, MeterState.meter_id == Meter.id)
                .where(among(db, Meter.id, meter_ids)).order_by(Meter.id)
                .with_for_update(of=MeterState.__table__).execution_options(populate_existing=True)):
            self.meters[meter.id], self.states[meter.id] = meter, state
        missing = [meter_id for meter_id in meter_ids if meter_id not in self.states]
        if missing:
            found = db.scalars(select(Meter).where(among(db, Meter.id, missing)))
            self.meters.update({meter.id: meter for meter in found})
            for meter_id in missing:
                self.states[meter_id] = state_of(db, meter_id, lock=True)
        for site_id in sorted({m.site_id for m in self.meters.values()}):
            self.site(site_id)  # now: a load during the walk would flush its changes one by one
            self.revenue_of(site_id)
        after = min(s.settled_reading_id or 0 for s in self.states.values())
        # Rows, not objects: the walk only reads them (`point_of` takes either).
        for reading in db.execute(select(*READINGS.c).where(among(db, READINGS.c.meter_id, meter_ids),
                                                            READINGS.c.id > after)
                                  .order_by(READINGS.c.meter_id, READINGS.c.id)):
            if reading.id > (self.states[reading.meter_id].settled_reading_id or 0):
                self.readings.setdefault(reading.meter_id, []).append(reading)
        with_readings = [m for m in meter_ids if m in self.readings]
        self.bases = baselines(db, with_readings, self.swaps) if with_readings else {}
        if with_readings:
            self.tariffs.update(tariffs_for_meters(db, with_readings, self.tariff_cache))
        self._load_posted()

    def _load_posted(self) -> None:
        """The batch's consumption and swap-final keys already posted, in one query."""
        keys = {(self.meters[m].site_id, f"consume:{m}:{r.id}")
                for m, readings in self.readings.items() for r in readings}
        keys |= {(self.meters[m].site_id, f"swapfinal:{swap.id}") for m, swap in self.swaps.items()
                 if m in self.meters}
        if keys:
            rows = self.db.execute(select(LedgerTransaction.site_id, LedgerTransaction.external_key).where(
                among(self.db, LedgerTransaction.site_id, {site_id for site_id, _key in keys}),
                among(self.db, LedgerTransaction.external_key, {key for _site_id, key in keys})))
            self.posted = {(site_id, key) for site_id, key in rows} & keys

    def account_at(self, meter_id: int, at: datetime) -> Found | None:
        """The open account the meter was attached to at that moment, from the loaded links."""
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


# The same on PostgreSQL as one fixed statement (arrays in), not one UPDATE rendered per state.
_WRITE_STATES_PG = text("""
UPDATE meter_states AS s
SET settled_reading_id = v.settled_reading_id, cost_carry = v.cost_carry,
    carry_account_id = v.carry_account_id, billed_until = v.billed_until
FROM unnest(CAST(:s_meter AS integer[]), CAST(:s_settled_reading_id AS bigint[]),
            CAST(:s_cost_carry AS numeric[]), CAST(:s_carry_account_id AS integer[]),
            CAST(:s_billed_until AS timestamptz[]))
     AS v(meter_id, settled_reading_id, cost_carry, carry_account_id, billed_until)
WHERE s.meter_id = v.meter_id
""")


def write_states(db: Session, states: list[MeterState]) -> None:
    """The billing fields of the states that moved, in one statement; the objects then hold
    them as loaded, so the session does not write them again."""
    moved = [s for s in states
             if any(inspect(s).attrs[name].history.has_changes() for name in BILLING_FIELDS)]
    if not moved:
        return
    dialect = db.get_bind().dialect
    with db.no_autoflush:  # else the session writes them first, one statement per set of changes
        if dialect.name == "postgresql":
            params = {"s_meter": [s.meter_id for s in moved]}
            for name in BILLING_FIELDS:  # through the columns' own types (UTC, the carry's scale)
                process = STATES.c[name].type.bind_processor(dialect) or (lambda value: value)
                params[f"s_{name}"] = [process(getattr(s, name)) for s in moved]
            db.execute(_WRITE_STATES_PG, params)
        else:
            db.execute(_WRITE_STATE, [{"s_meter": s.meter_id,
                                       **{f"s_{n}": getattr(s, n) for n in BILLING_FIELDS}}
                                      for s in moved])
    for state in moved:
        for name in BILLING_FIELDS:
            set_committed_value(state, name, getattr(state, name))
