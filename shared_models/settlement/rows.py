"""What a batch reads of its meters, accounts and states, as plain rows rather than ORM objects.

A bus's batch reads some 130 rows of links, accounts, meters and states; building them as ORM
objects cost more than the queries did. These hold the columns billing, the follow-up and
enforcement use. The wallets stay ORM objects, one per account: the ledger's posting service,
a local-mode push and a sale's lock all move the same wallet, and share it through the session.
The meter state rows are written back in one statement per batch (`batch.write_states`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from shared_models.enums import ControlMode
from shared_models.models import AccountMeter, LedgerAccount, Meter, MeterState, Site, TenantAccount
from shared_models.models.accounts import AccountStatus, ArrearsRule, BillingMode

# What billing moves on a meter state: written for a whole batch in one statement.
BILLING_FIELDS = ("settled_reading_id", "cost_carry", "carry_account_id", "billed_until")

ACCOUNTS = TenantAccount.__table__
ACCOUNT_COLUMNS = (ACCOUNTS.c.id, ACCOUNTS.c.site_id, ACCOUNTS.c.number, ACCOUNTS.c.status,
                   ACCOUNTS.c.billing_mode, ACCOUNTS.c.alarm1_threshold, ACCOUNTS.c.alarm2_threshold,
                   ACCOUNTS.c.arrears_rule)
LINKS = AccountMeter.__table__
METERS = Meter.__table__
METER_COLUMNS = (METERS.c.id, METERS.c.site_id, METERS.c.control_mode, METERS.c.serial_number)
STATES = MeterState.__table__
STATE_COLUMNS = (STATES.c.meter_id, *(STATES.c[name] for name in BILLING_FIELDS), STATES.c.relay_open,
                 STATES.c.last_read_at, STATES.c.status_bits, STATES.c.balance, STATES.c.purchase_count)
SITES = Site.__table__
SITE_COLUMNS = (SITES.c.id, SITES.c.timezone, SITES.c.poll_interval_s, SITES.c.overdraft_limit)


@dataclass(eq=False)
class AccountRow:
    """A tenant account as billing and enforcement see it; `wallet` once it is locked."""

    id: int
    site_id: int
    number: str  # names its postpaid ledger accounts
    status: AccountStatus
    billing_mode: BillingMode
    alarm1_threshold: Decimal
    alarm2_threshold: Decimal
    arrears_rule: ArrearsRule
    wallet: LedgerAccount | None = None


@dataclass(frozen=True)
class LinkRow:
    """A meter's attachment to an account (`AccountMeter`)."""

    meter_id: int
    account_id: int
    attached_at: datetime
    detached_at: datetime | None


@dataclass(frozen=True)
class MeterRow:
    id: int
    site_id: int
    control_mode: ControlMode
    serial_number: str


@dataclass(frozen=True)
class SiteRow:
    """What settlement needs of a site: its clock, its poll interval, its overdraft limit."""

    id: int
    timezone: str
    poll_interval_s: int
    overdraft_limit: Decimal


@dataclass(eq=False)
class StateRow:
    """A meter state, locked: billing moves the billing fields, the rest is read."""

    meter_id: int
    settled_reading_id: int | None
    cost_carry: Decimal | None
    carry_account_id: int | None
    billed_until: datetime | None
    relay_open: bool | None
    last_read_at: datetime | None
    status_bits: int
    balance: Decimal | None
    purchase_count: int | None
    loaded: tuple = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.loaded = self.billing()

    def billing(self) -> tuple:
        return tuple(getattr(self, name) for name in BILLING_FIELDS)

    @classmethod
    def of(cls, state: MeterState) -> StateRow:
        """The row of a state the ORM loaded (one made for a meter never read)."""
        return cls(*(getattr(state, column.name) for column in STATE_COLUMNS))


def account_of(row) -> AccountRow:
    return AccountRow(*row[:len(ACCOUNT_COLUMNS)])


def meter_of(row) -> MeterRow:
    return MeterRow(*row[:len(METER_COLUMNS)])


def state_of_row(row) -> StateRow:
    start = len(METER_COLUMNS)
    return StateRow(*row[start:start + len(STATE_COLUMNS)])


def site_of(row) -> SiteRow:
    return SiteRow(*row[-len(SITE_COLUMNS):])


def sync_session_states(db: Session, rows: list[StateRow]) -> None:
    """A state the session also holds as an object (a caller's, or one made for a meter never
    read) takes the billing fields just written, as if loaded so."""
    held = {key[1][0]: state for key, state in db.identity_map.items() if key[0] is MeterState}
    for row in rows:
        state = held.get(row.meter_id)
        if state is not None:
            for name in BILLING_FIELDS:
                set_committed_value(state, name, getattr(row, name))
