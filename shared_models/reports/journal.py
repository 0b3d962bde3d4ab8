"""The sales journal (售电流水): every counter document that took a receipt number, in order.

A row is dated by its completion (when money crossed the counter; for a refund that waited for
approval, the approval), cut at the local midnight of its site. Pending refunds have no receipt
yet and rejected ones never paid out, so neither is in the journal. `signed_amount` is the
money's direction at the counter: a recharge +, a refund or a reversal -.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session, aliased

from shared_models.models import Operator, Sale, Site, TenantAccount
from shared_models.models.ledger import Channel
from shared_models.models.sales import SaleKind
from shared_models.reports.localtime import local_period, prepare
from shared_models.reports.periods import Period, Unit
from shared_models.reports.window import plain, stream, within
from shared_models.scope import within_sites

# Spreadsheet columns; `local_time` replaces the UTC instant (Excel cells have no time zone).
COLUMNS = ("site_code", "receipt_number", "local_date", "local_time", "kind", "status", "channel",
           "amount", "signed_amount", "account_number", "tenant_name", "operator",
           "reverses_receipt_number", "balance_after", "reason", "shift_id", "sale_id")


def signed(amount, kind):
    """Counter direction of a sale's amount: recharges in (+), refunds and reversals out (-)."""
    return case((kind == SaleKind.RECHARGE, amount), else_=-amount)


def journal(db: Session, period: Period, *, site_ids: Collection[int] | None = None,
            channel: Channel | None = None, operator_id: int | None = None,
            kind: SaleKind | None = None, account_id: int | None = None) -> Select:
    """The journal's select, ordered by site and receipt number (the order money was taken)."""
    prepare(db)
    reversed_sale = aliased(Sale)
    stmt = (
        select(Sale.id.label("sale_id"), Sale.site_id, Site.code.label("site_code"),
               Site.timezone, Sale.receipt_number,
               local_period(Sale.completed_at, Site.timezone, Unit.DAY).label("local_date"),
               Sale.completed_at, Sale.kind, Sale.status, Sale.channel, Sale.amount,
               signed(Sale.amount, Sale.kind).label("signed_amount"), Sale.account_id,
               TenantAccount.number.label("account_number"), TenantAccount.tenant_name,
               Sale.operator_id, Operator.username.label("operator"), Sale.shift_id,
               reversed_sale.receipt_number.label("reverses_receipt_number"), Sale.balance_after,
               Sale.reason)
        .join(Site, Sale.site_id == Site.id)
        .join(TenantAccount, Sale.account_id == TenantAccount.id)
        .outerjoin(Operator, Sale.operator_id == Operator.id)  # none for money a gateway brought
        .outerjoin(reversed_sale, Sale.reverses_id == reversed_sale.id)
        .where(Sale.receipt_number.is_not(None),
               within(db, period, Sale.completed_at, site_ids))
        .order_by(Site.code, Sale.receipt_number))
    for column, value in ((Sale.channel, channel), (Sale.operator_id, operator_id),
                          (Sale.kind, kind), (Sale.account_id, account_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return within_sites(stmt, Sale.site_id, site_ids)


def sheet_rows(db: Session, stmt: Select) -> Iterator[tuple[Any, ...]]:
    """The journal's rows for the spreadsheet, in COLUMNS order, streamed."""
    for row in stream(db, stmt):
        local_time = row["completed_at"].astimezone(ZoneInfo(row["timezone"])).replace(tzinfo=None)
        values = {**row, "local_time": local_time}
        yield tuple(plain(values[name]) for name in COLUMNS)
