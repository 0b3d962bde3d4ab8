"""Account statements (对账单): a tenant wallet's postings over a period with a running balance.

Postings carry the ledger's sign (money into the wallet +, out of it -), dated by their
transaction and cut at the local midnight of the account's site. Opening balance + the
period's postings = closing balance; over a period reaching today the closing balance is the
wallet's balance.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select, type_coerce
from sqlalchemy.orm import Session

from shared_models.errors import NotFound
from shared_models.models import (
    LedgerAccount,
    LedgerTransaction,
    Operator,
    Posting,
    Sale,
    Site,
    TenantAccount,
)
from shared_models.reports.localtime import local_period, prepare
from shared_models.reports.periods import Period, Unit
from shared_models.reports.window import plain, stream
from shared_models.types import Money

ZERO = Decimal("0.00")
COLUMNS = ("local_date", "local_time", "kind", "reason", "receipt_number", "operator", "amount",
           "balance", "transaction_id")


@dataclass(frozen=True)
class Statement:
    """The head of a statement: whose wallet, which period, and the balances around it."""

    account_id: int
    account_number: str
    tenant_name: str
    site_id: int
    site_code: str
    timezone: str
    wallet_id: int
    period: Period
    start: datetime  # UTC instants of the local midnights around the period
    end: datetime
    opening_balance: Decimal
    money_in: Decimal
    money_out: Decimal  # negative, as posted
    postings: int
    wallet_balance: Decimal  # now, as the wallet keeps it

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + self.money_in + self.money_out


def statement(db: Session, account_id: int, period: Period) -> Statement:
    """The statement's head for the tenant account, in its site's time zone."""
    found = db.execute(
        select(TenantAccount, Site, LedgerAccount)
        .join(Site, TenantAccount.site_id == Site.id)
        .join(LedgerAccount, LedgerAccount.tenant_account_id == TenantAccount.id)
        .where(TenantAccount.id == account_id)).one_or_none()
    if found is None:
        raise NotFound("No such {what}.", what="account")
    account, site, wallet = found
    start, end = period.utc_range(site.timezone)
    amount, at = Posting.amount, LedgerTransaction.created_at
    sums = db.execute(
        select(func.sum(case((at < start, amount))),
               func.sum(case(((at >= start) & (amount > 0), amount))),
               func.sum(case(((at >= start) & (amount < 0), amount))),
               func.count(case((at >= start, Posting.id))))
        .join(LedgerTransaction, Posting.transaction_id == LedgerTransaction.id)
        .where(Posting.account_id == wallet.id, at < end)).one()
    return Statement(account.id, account.number, account.tenant_name, site.id, site.code,
                     site.timezone, wallet.id, period, start, end, sums[0] or ZERO,
                     sums[1] or ZERO, sums[2] or ZERO, sums[3], wallet.balance)


def lines(db: Session, head: Statement) -> Select:
    """The statement's postings in the order they were booked, each with the balance after it."""
    prepare(db)
    at = LedgerTransaction.created_at
    order = (at, Posting.id)
    opening = (select(func.coalesce(func.sum(Posting.amount), 0))
               .join(LedgerTransaction, Posting.transaction_id == LedgerTransaction.id)
               .where(Posting.account_id == head.wallet_id, at < head.start).scalar_subquery())
    running = type_coerce(opening + func.sum(Posting.amount).over(order_by=order), Money)
    return (
        select(Posting.id.label("posting_id"), LedgerTransaction.id.label("transaction_id"),
               at.label("booked_at"), local_period(at, Site.timezone, Unit.DAY).label("local_date"),
               LedgerTransaction.kind, LedgerTransaction.reason, Sale.receipt_number,
               Operator.username.label("operator"), Posting.amount, running.label("balance"))
        .join(LedgerTransaction, Posting.transaction_id == LedgerTransaction.id)
        .join(Site, LedgerTransaction.site_id == Site.id)
        .outerjoin(Sale, Sale.transaction_id == LedgerTransaction.id)
        .outerjoin(Operator, LedgerTransaction.operator_id == Operator.id)
        .where(Posting.account_id == head.wallet_id, at >= head.start, at < head.end)
        .order_by(*order))


def sheet_rows(db: Session, head: Statement, stmt: Select) -> Iterator[tuple[Any, ...]]:
    """Opening line, the postings in COLUMNS order, closing line; streamed."""
    zone = ZoneInfo(head.timezone)
    yield (head.period.first.isoformat(), None, "opening balance", "", None, None, None,
           head.opening_balance, None)
    for row in stream(db, stmt):
        values = {**row, "local_time": row["booked_at"].astimezone(zone).replace(tzinfo=None)}
        yield tuple(plain(values[name]) for name in COLUMNS)
    yield (head.period.last.isoformat(), None, "closing balance", "", None, None, None,
           head.closing_balance, None)
