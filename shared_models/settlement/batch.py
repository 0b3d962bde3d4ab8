"""What one settlement call loads for its meters, in a few set-based queries, and shares."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, text, update
from sqlalchemy.orm import Session

from shared_models.ledger.books import site_account, wallet_of
from shared_models.ledger.posting import Entry
from shared_models.metering.meter_history import PeriodUsage, Point, baseline_of, profile_between
from shared_models.metering.meter_states import state_of
from shared_models.models import (
    AccountMeter,
    LedgerAccount,
    Meter,
    MeterSwap,
    Site,
    TenantAccount,
)
from shared_models.models.accounts import AccountStatus
from shared_models.models.ledger import AccountKind
from shared_models.tariffs import GapPolicy, TariffLike, TariffSchedule
from shared_models.tariffs.lookup import tariff_for_meter, tariffs_for_meters
from shared_models.tariffs.total import Total, total_cost

from . import statements
from .rows import (
    BILLING_FIELDS,
    SITE_COLUMNS,
    STATES,
    AccountRow,
    LinkRow,
    MeterRow,
    SiteRow,
    StateRow,
    account_of,
    meter_of,
    site_of,
    state_of_row,
    sync_session_states,
)

Found = tuple[AccountRow, LinkRow] | tuple[TenantAccount, AccountMeter]
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
        self.sites: dict[int, Site | SiteRow] = {}

    def site(self, site_id: int) -> Site | SiteRow:
        if site_id not in self.sites:
            self.sites[site_id] = self.db.get(Site, site_id)
        return self.sites[site_id]

    def price(self, meter: Meter | MeterRow, start: Point, end: Point) -> Total:
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
        self.meters: dict[int, MeterRow] = {}
        self.links: dict[int, list[LinkRow]] = {}  # per meter, newest link first
        self.accounts: dict[int, AccountRow] = {}  # fresh and locked if open now, else as read
        self.wallets: dict[int, LedgerAccount] = {}  # by tenant account, locked
        self.states: dict[int, StateRow] = {}  # locked
        self.readings: dict[int, list[Row]] = {}  # after each cursor, in id order (reading rows)
        self.swaps: dict[int, MeterSwap] = {}  # the latest swap that installed each meter
        self.bases: dict[int, Point | None] = {}  # where billing starts, at each cursor
        self.posted: set[tuple[int, str]] = set()  # (site, external key) already in the ledger
        self.revenue: dict[int, LedgerAccount] = {}
        self.entries: list[Entry] = []  # consumption to post

    def load(self, meter_ids: list[int]) -> None:
        db, dialect = self.db, statements.dialect_of(self.db)
        ids = {"ids": meter_ids}
        for row in db.execute(statements.links_with_accounts(dialect), ids):
            self.links.setdefault(row.meter_id, []).append(LinkRow(*row[:4]))
            self.accounts.setdefault(row.account_id, account_of(row[4:]))
        # Accounts with their wallets before meter states, the order a sale takes them in
        # (`lock_account`), each in id order; read fresh, so an account closed while this
        # batch waited for the lock is seen closed and billed nothing.
        open_now = {found[0].id for m in meter_ids if (found := self.account_at(m, self.now))}
        if open_now:
            for row in db.execute(statements.locked_accounts(dialect), {"ids": sorted(open_now)}):
                account = self.accounts[row.id] = account_of(row)
                account.wallet = self.wallets[account.id] = row[-1]
        # The meters with their states and sites, only the states locked (in meter id order); a
        # meter without a state row yet gets one, locked, after.
        for row in db.execute(statements.meters_with_states(dialect), ids):
            self.meters[row.id], self.states[row.id] = meter_of(row), state_of_row(row)
            self.sites.setdefault(row[-len(SITE_COLUMNS)], site_of(row))
        missing = [meter_id for meter_id in meter_ids if meter_id not in self.states]
        if missing:
            for row in db.execute(statements.meters_with_sites(dialect), {"ids": missing}):
                self.meters[row.id] = meter_of(row)
                self.sites.setdefault(row[-len(SITE_COLUMNS)], site_of(row))
            for meter_id in missing:
                self.states[meter_id] = StateRow.of(state_of(db, meter_id, lock=True))
        for site_id in sorted({m.site_id for m in self.meters.values()}):
            self.revenue_of(site_id)
        self._load_readings(meter_ids)
        with_readings = [m for m in meter_ids if m in self.readings]
        if with_readings:
            self.tariffs.update(tariffs_for_meters(db, with_readings, self.tariff_cache))
        self._load_posted_swaps()

    def _load_readings(self, meter_ids: list[int]) -> None:
        """The readings after each cursor (rows, not objects: the walk only reads them), which
        of them are already posted, and where billing starts at each cursor; one query."""
        at_cursor: dict[int, Row] = {}
        after = min(s.settled_reading_id or 0 for s in self.states.values())
        for reading in self.db.execute(statements.readings_and_bases(statements.dialect_of(self.db)),
                                       {"ids": meter_ids, "after": after}):
            if reading.at_cursor:
                at_cursor[reading.meter_id] = reading
            elif reading.id > (self.states[reading.meter_id].settled_reading_id or 0):
                self.readings.setdefault(reading.meter_id, []).append(reading)
                if reading.posted:
                    self.posted.add((self.meters[reading.meter_id].site_id,
                                     f"consume:{reading.meter_id}:{reading.id}"))
        self.bases = {m: baseline_of(at_cursor.get(m), self.swaps.get(m)) for m in meter_ids}

    def _load_posted_swaps(self) -> None:
        """The batch's swap-final keys already posted (a swap is rare: mostly no query)."""
        keys = {(self.meters[m].site_id, f"swapfinal:{swap.id}") for m, swap in self.swaps.items()
                if m in self.meters}
        if keys:
            rows = self.db.execute(statements.posted_keys(statements.dialect_of(self.db)),
                                   {"sites": sorted({site_id for site_id, _key in keys}),
                                    "keys": sorted({key for _site_id, key in keys})})
            self.posted |= {(site_id, key) for site_id, key in rows} & keys

    def account_at(self, meter_id: int, at: datetime) -> Found | None:
        """The open account the meter was attached to at that moment, from the loaded links."""
        for link in self.links.get(meter_id, ()):
            if link.attached_at <= at and (link.detached_at is None or link.detached_at >= at):
                account = self.accounts[link.account_id]
                return (account, link) if account.status == AccountStatus.OPEN else None
        return None

    def wallet(self, account_id: int) -> LedgerAccount:
        return self.wallets.get(account_id) or wallet_of(self.db, account_id)

    def state(self, meter_id: int) -> StateRow:
        """A meter's state row, locked: the batch's, or read now for a meter outside it (a
        swapped-out meter's last stretch), and then written with the batch's."""
        if meter_id not in self.states:
            self.states[meter_id] = StateRow.of(state_of(self.db, meter_id, lock=True))
        return self.states[meter_id]

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


def write_states(db: Session, rows: list[StateRow]) -> None:
    """The billing fields of the states that moved, in one statement."""
    moved = [row for row in rows if row.billing() != row.loaded]
    if not moved:
        return
    dialect = db.get_bind().dialect
    if dialect.name == "postgresql":
        params = {"s_meter": [row.meter_id for row in moved]}
        for name in BILLING_FIELDS:  # through the columns' own types (UTC, the carry's scale)
            process = STATES.c[name].type.bind_processor(dialect) or (lambda value: value)
            params[f"s_{name}"] = [process(getattr(row, name)) for row in moved]
        db.execute(_WRITE_STATES_PG, params)
    else:
        db.execute(_WRITE_STATE, [{"s_meter": row.meter_id,
                                   **{f"s_{n}": getattr(row, n) for n in BILLING_FIELDS}}
                                  for row in moved])
    for row in moved:
        row.loaded = row.billing()
    sync_session_states(db, moved)
