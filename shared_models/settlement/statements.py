"""A batch's reads, each built once per database dialect, the batch's meters one parameter.

Building a select, and its cache key, on every batch cost more CPU than some of the queries
took the server. Each statement here is built on first use for the dialect and then only
executed: on PostgreSQL the ids are one array (`= ANY(:ids)`), so the text never changes and
psycopg prepares it; on SQLite an expanding IN.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from shared_models.models import (
    AccountMeter,
    LedgerAccount,
    LedgerTransaction,
    Meter,
    MeterState,
    MeterSwap,
    Reading,
    TenantAccount,
)
from shared_models.models.accounts import AccountStatus
from shared_models.models.metering import ReadingQuality

from .rows import (
    ACCOUNT_COLUMNS,
    ACCOUNTS,
    LINKS,
    METER_COLUMNS,
    METERS,
    SITE_COLUMNS,
    SITES,
    STATE_COLUMNS,
    STATES,
)

READINGS = Reading.__table__
# What the walk reads of a reading (`meter_history.point_of`, `billable`).
POINT_COLUMNS = (READINGS.c.id, READINGS.c.meter_id, READINGS.c.read_at, READINGS.c.total_energy,
                 READINGS.c.energy_sharp, READINGS.c.energy_peak, READINGS.c.energy_flat,
                 READINGS.c.energy_valley, READINGS.c.balance, READINGS.c.purchase_count,
                 READINGS.c.quality)


def dialect_of(db: Session) -> str:
    return db.get_bind().dialect.name


def among(dialect: str, column: ColumnElement, name: str = "ids", item=Integer) -> ColumnElement[bool]:
    """`column` is one of the values of parameter `name` (a list)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(item)))
    return column.in_(bindparam(name, expanding=True))


@cache
def pending(dialect: str) -> Select:
    """Of the meters `ids`, those with readings after their cursor (the poller moves
    `last_reading_id` with each reading it stores) or installed by a swap: each with whether it
    has new readings, whether they may be billed (linked to an open account at or after the
    time of the reading the cursor is on) and whether a swap installed it."""
    at_cursor = aliased(Reading)
    on_open_account = (select(AccountMeter.id)
                       .join(TenantAccount, TenantAccount.id == AccountMeter.account_id)
                       .where(AccountMeter.meter_id == Meter.id,
                              TenantAccount.status == AccountStatus.OPEN,
                              or_(AccountMeter.detached_at.is_(None), at_cursor.read_at.is_(None),
                                  AccountMeter.detached_at >= at_cursor.read_at))
                       .exists())
    new = func.coalesce(MeterState.last_reading_id > func.coalesce(MeterState.settled_reading_id, 0),
                        false())
    swapped = exists().where(MeterSwap.new_meter_id == Meter.id)
    return (select(Meter.id, new.label("new"), on_open_account.label("billable"), swapped.label("swapped"))
            .outerjoin(MeterState, MeterState.meter_id == Meter.id)
            .outerjoin(at_cursor, at_cursor.id == MeterState.settled_reading_id)
            .where(among(dialect, Meter.id), or_(new, swapped)))


@cache
def links_with_accounts(dialect: str) -> Select:
    """The meters' links, newest first, each with its account as read before any lock."""
    return (select(LINKS.c.meter_id, LINKS.c.account_id, LINKS.c.attached_at, LINKS.c.detached_at,
                   *ACCOUNT_COLUMNS)
            .join(ACCOUNTS, ACCOUNTS.c.id == LINKS.c.account_id)
            .where(among(dialect, LINKS.c.meter_id)).order_by(LINKS.c.id.desc()))


@cache
def locked_accounts(dialect: str) -> Select:
    """Accounts with their wallets (ORM objects), locked in id order and read fresh: the
    order a sale takes them in (`lock_account`)."""
    return (select(*ACCOUNT_COLUMNS, LedgerAccount)
            .join(LedgerAccount, LedgerAccount.tenant_account_id == ACCOUNTS.c.id)
            .where(among(dialect, ACCOUNTS.c.id)).order_by(ACCOUNTS.c.id).with_for_update()
            .execution_options(populate_existing=True))


@cache
def meters_with_states(dialect: str) -> Select:
    """Meters with their states and sites, only the states locked, in meter id order."""
    return (select(*METER_COLUMNS, *STATE_COLUMNS, *SITE_COLUMNS)
            .join(STATES, STATES.c.meter_id == METERS.c.id)
            .join(SITES, SITES.c.id == METERS.c.site_id)
            .where(among(dialect, METERS.c.id)).order_by(METERS.c.id).with_for_update(of=STATES))


@cache
def meters_with_sites(dialect: str) -> Select:
    return (select(*METER_COLUMNS, *SITE_COLUMNS).join(SITES, SITES.c.id == METERS.c.site_id)
            .where(among(dialect, METERS.c.id)))


@cache
def readings_and_bases(dialect: str):
    """The meters' readings after `after` (the lowest cursor), each with whether its
    consumption key is already in the ledger, and the reading billing starts from at each
    meter's cursor: the last billable one up to it (`at_cursor` true), in meter and id order."""
    key = literal("consume:") + cast(READINGS.c.meter_id, String) + ":" + cast(READINGS.c.id, String)
    posted = (exists().where(LedgerTransaction.site_id == METERS.c.site_id,
                             LedgerTransaction.external_key == key)
              .correlate(READINGS, METERS))
    after = (select(*POINT_COLUMNS, false().label("at_cursor"), posted.label("posted"))
             .join(METERS, METERS.c.id == READINGS.c.meter_id)
             .where(among(dialect, READINGS.c.meter_id), READINGS.c.id > bindparam("after")))
    inner = aliased(Reading)
    last = (select(inner.id).where(inner.meter_id == MeterState.meter_id,
                                   inner.id <= MeterState.settled_reading_id,
                                   inner.quality != ReadingQuality.REGRESSED)
            .order_by(inner.read_at.desc(), inner.id.desc()).limit(1)
            .correlate(MeterState).scalar_subquery())
    cursors = select(last).where(among(dialect, MeterState.meter_id),
                                 MeterState.settled_reading_id.is_not(None))
    bases = select(*POINT_COLUMNS, true(), false()).where(READINGS.c.id.in_(cursors))
    both = union_all(after, bases).subquery()
    return select(both).order_by(both.c.meter_id, both.c.id)


@cache
def posted_keys(dialect: str) -> Select:
    """Which of the external keys `keys` of the sites `sites` are already in the ledger."""
    return select(LedgerTransaction.site_id, LedgerTransaction.external_key).where(
        among(dialect, LedgerTransaction.site_id, "sites"),
        among(dialect, LedgerTransaction.external_key, "keys", String))


__all__ = ["POINT_COLUMNS", "READINGS", "dialect_of", "links_with_accounts", "locked_accounts",
           "meters_with_sites", "meters_with_states", "pending", "posted_keys", "readings_and_bases"]
