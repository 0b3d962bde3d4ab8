"""The meter status list: each meter's newest reading, relay, link, balance and alarm level.

One select serves the screen (paged) and the Excel export (streamed). The balance is the
wallet's for remote-mode meters; for local mode it is the tenant's money as alarms count it
(the meter's own, recharges on their way to it, and the wallet); the level follows the
same rule as the alarms (`enforcement_rules.balance_level`), computed from the balance itself so
the list is right even between settlements.

Protected (保电) is recorded in two places, and either makes a meter protected: its account's
arrears rule `protect` (enforcement never trips it), or the meter's own status word saying
protect is on (after a `protect` command, until `restore_prepaid`), as last polled or read back.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from decimal import Decimal

from sqlalchemy import Select, and_, case, false, func, literal, or_, select, true
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode, MeterStatus
from shared_models.metering.balances import in_transit_amount
from shared_models.models import (
    AccountMeter,
    Building,
    Floor,
    LedgerAccount,
    Meter,
    MeterState,
    Reading,
    TenantAccount,
    Unit,
)
from shared_models.models.accounts import ArrearsRule
from shared_models.scope import within_sites

# Status word bit 2 (the worker's `protocol.codes.MeterStatus.PROTECT`): protect is on.
PROTECT_BIT = 1 << 2


class StatusFilter(enum.StrEnum):
    OPENED = "opened"
    ALARM1 = "alarm1"
    ALARM2 = "alarm2"
    ARREARS = "arrears"
    NOT_OPENED = "not_opened"
    LOST_COMM = "lost_comm"


COLUMNS = ("Meter", "Serial number", "Site", "Building", "Unit", "Mode", "Meter status",
           "Account", "Tenant", "Online", "Relay", "Last read (UTC)", "Total kWh", "Power W",
           "Balance", "Protected", "Alarm level")


def status_query(*, site_ids: Iterable[int] | None = None, site_id: int | None = None,
                 building_id: int | None = None, floor_id: int | None = None,
                 status: StatusFilter | None = None, protected: bool | None = None,
                 account_id: int | None = None) -> Select:
    """One row per meter (as mappings), ordered by meter id."""
    link = and_(AccountMeter.meter_id == Meter.id, AccountMeter.detached_at.is_(None))
    # A local-mode meter's tenant has what the meter holds, what is on its way to it and
    # what the wallet still holds for it (as alarms count it: `balances.meter_money`).
    balance = case((Meter.control_mode == ControlMode.LOCAL,
                    MeterState.balance + func.coalesce(LedgerAccount.balance, Decimal("0.00"))
                    + in_transit_amount(Meter.id, MeterState.purchase_count)),
                   else_=LedgerAccount.balance)
    level = case(
        (TenantAccount.id.is_(None), literal(None)),
        (balance <= 0, literal("arrears")),
        (balance < TenantAccount.alarm2_threshold, literal("alarm2")),
        (balance < TenantAccount.alarm1_threshold, literal("alarm1")),
        else_=literal(None))
    is_protected = case((or_(TenantAccount.arrears_rule == ArrearsRule.PROTECT,
                             MeterState.status_bits.op("&")(PROTECT_BIT) != 0), true()),
                        else_=false())
    stmt = (
        select(Meter.id.label("meter_id"), Meter.serial_number, Meter.site_id,
               Building.id.label("building_id"), Building.name.label("building"),
               Unit.name.label("unit"), Meter.control_mode, Meter.status.label("meter_status"),
               TenantAccount.id.label("account_id"), TenantAccount.number.label("account_number"),
               TenantAccount.tenant_name, MeterState.online, MeterState.relay_open,
               MeterState.last_read_at, MeterState.status_bits, Reading.total_energy,
               Reading.power_w, balance.label("balance"), level.label("alarm_level"),
               is_protected.label("protected"))
        .outerjoin(MeterState, MeterState.meter_id == Meter.id)
        .outerjoin(Reading, Reading.id == MeterState.last_reading_id)
        .outerjoin(AccountMeter, link)
        .outerjoin(TenantAccount, TenantAccount.id == AccountMeter.account_id)
        .outerjoin(LedgerAccount, LedgerAccount.tenant_account_id == TenantAccount.id)
        .outerjoin(Unit, Unit.id == Meter.unit_id)
        .outerjoin(Floor, Floor.id == Unit.floor_id)
        .outerjoin(Building, Building.id == Floor.building_id)
    )
    stmt = within_sites(stmt, Meter.site_id, site_ids)
    if site_id is not None:
        stmt = stmt.where(Meter.site_id == site_id)
    if building_id is not None:
        stmt = stmt.where(Building.id == building_id)
    if floor_id is not None:
        stmt = stmt.where(Floor.id == floor_id)
    if status is not None:
        stmt = stmt.where(_status_clause(StatusFilter(status), level))
    if protected is not None:
        stmt = stmt.where(is_protected == (true() if protected else false()))
    if account_id is not None:
        stmt = stmt.where(TenantAccount.id == account_id)
    return stmt.order_by(Meter.id)


def _status_clause(status: StatusFilter, level):
    if status == StatusFilter.OPENED:
        return Meter.status == MeterStatus.OPENED
    if status == StatusFilter.NOT_OPENED:
        return Meter.status == MeterStatus.NOT_OPENED
    if status == StatusFilter.LOST_COMM:
        return MeterState.online.is_(False)
    return level == status.value


def sheet_rows(db: Session, stmt: Select) -> Iterator[list]:
    """The export's rows, streamed from the same select as the screen."""
    for row in db.execute(stmt.execution_options(yield_per=500)).mappings():
        yield [row["meter_id"], row["serial_number"], row["site_id"], row["building"] or "",
               row["unit"] or "", row["control_mode"].value, row["meter_status"].value,
               row["account_number"] or "", row["tenant_name"] or "",
               "" if row["online"] is None else ("yes" if row["online"] else "no"),
               "" if row["relay_open"] is None else ("open" if row["relay_open"] else "closed"),
               row["last_read_at"].replace(tzinfo=None) if row["last_read_at"] else "",
               row["total_energy"], row["power_w"], row["balance"],
               "yes" if row["protected"] else "no", row["alarm_level"] or ""]
