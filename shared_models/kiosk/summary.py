"""The account as a kiosk shows it: balance, supply state, days left, 30 days of use and the
last recharges. Nothing here names the tenant or their phone (the caller masks the name)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.metering import energy
from shared_models.metering.balances import account_money
from shared_models.models import (
    AccountMeter,
    LedgerTransaction,
    Meter,
    MeterState,
    Posting,
    Sale,
    Site,
    TenantAccount,
)
from shared_models.models.accounts import ArrearsRule
from shared_models.models.ledger import TransactionKind
from shared_models.models.sales import SaleKind, SaleStatus
from shared_models.settlement.enforcement_rules import balance_level
from shared_models.types import utcnow

USAGE_DAYS = 30
SPEND_DAYS = 7  # days left: the credit over the average daily use of the last 7 days (UI.md)
RECENT_RECHARGES = 5


@dataclass(frozen=True)
class Supply:
    """One of the shared status words (UI.md) and whether 保电 (protect) is on."""

    state: str  # normal, alarm1, alarm2, arrears, tripped, lost_comm
    protected: bool


def supply(db: Session, account: TenantAccount, balance: Decimal) -> Supply:
    states = list(db.scalars(select(MeterState)
                             .join(AccountMeter, AccountMeter.meter_id == MeterState.meter_id)
                             .where(AccountMeter.account_id == account.id,
                                    AccountMeter.detached_at.is_(None))))
    level = balance_level(balance, account.alarm1_threshold, account.alarm2_threshold)
    if any(not s.online for s in states):
        state = "lost_comm"
    elif any(s.relay_open for s in states):
        state = "tripped"
    else:
        state = level.value if level is not None else "normal"
    return Supply(state, account.arrears_rule == ArrearsRule.PROTECT)


def daily_spend(db: Session, account: TenantAccount, now: datetime) -> Decimal | None:
    """What the wallet paid for energy per day over the last week; None without any use."""
    wallet_id = account.wallet.id if account.wallet else None
    if wallet_id is None:
        return None
    spent = db.scalar(select(func.coalesce(func.sum(Posting.amount), 0))
                      .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
                      .where(Posting.account_id == wallet_id,
                             LedgerTransaction.kind == TransactionKind.CONSUMPTION,
                             LedgerTransaction.created_at >= now - timedelta(days=SPEND_DAYS)))
    spent = -Decimal(spent)
    return spent / SPEND_DAYS if spent > 0 else None


def days_left(balance: Decimal, per_day: Decimal | None) -> int | None:
    if per_day is None or per_day <= 0:
        return None
    return max(int((balance / per_day).quantize(Decimal(1), rounding=ROUND_DOWN)), 0)


def usage(db: Session, account: TenantAccount, today: date) -> list[dict]:
    rows = energy.account_energy(db, account.id, energy.Granularity.DAY,
                                 today - timedelta(days=USAGE_DAYS - 1), today)
    return [{"day": row.period, "kwh": row.energy} for row in rows]


def recent_recharges(db: Session, account: TenantAccount, zone: ZoneInfo) -> list[dict]:
    sales = db.scalars(select(Sale).where(Sale.account_id == account.id, Sale.kind == SaleKind.RECHARGE,
                                          Sale.status == SaleStatus.COMPLETED)
                       .order_by(Sale.id.desc()).limit(RECENT_RECHARGES))
    return [{"at": f"{(s.completed_at or s.created_at).astimezone(zone):%Y-%m-%d %H:%M}",
             "amount": s.amount, "channel": s.channel.value} for s in sales]


def summarise(db: Session, account: TenantAccount, *, detailed: bool) -> dict:
    """The kiosk's view; `detailed` adds the usage and the recharges (after a phone check)."""
    site = db.get(Site, account.site_id)
    zone = ZoneInfo(site.timezone)
    now = utcnow()
    balance = account_money(db, account).total
    state = supply(db, account, balance)
    view = {"number": account.number, "balance": balance, "supply": state.state,
            "protected": state.protected,
            "days_left": days_left(balance, daily_spend(db, account, now)),
            "detailed": detailed}
    if detailed:
        view["meters"] = [m.serial_number for m in _meters(db, account)]
        view["usage"] = usage(db, account, now.astimezone(zone).date())
        view["recharges"] = recent_recharges(db, account, zone)
    return view


def _meters(db: Session, account: TenantAccount) -> list[Meter]:
    return list(db.scalars(select(Meter).join(AccountMeter, AccountMeter.meter_id == Meter.id)
                           .where(AccountMeter.account_id == account.id, AccountMeter.detached_at.is_(None))
                           .order_by(Meter.id)))
