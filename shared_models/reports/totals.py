"""Sales totals per site and local day, month or year, optionally by channel and operator.

The same documents as the journal, netted: `net_total` = recharges - refunds - reversals. A
reversed recharge stays counted among the recharges and its reversal cancels it, so a day's net
is what the drawers and terminals took in that day (a sale reversed after midnight nets on
the next day, as the cash did).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session

from shared_models.models import Operator, Sale, Site
from shared_models.models.ledger import Channel
from shared_models.models.sales import SaleKind
from shared_models.reports.journal import signed
from shared_models.reports.localtime import local_period, prepare
from shared_models.reports.periods import Period
from shared_models.reports.window import plain, stream, within
from shared_models.scope import within_sites
from shared_models.types import Money


class Breakdown(enum.StrEnum):
    """Optional splits of each site's period row."""

    CHANNEL = "channel"
    OPERATOR = "operator"


# Kinds by their plural in column names: recharge_count, refund_total...
KINDS = {"recharge": SaleKind.RECHARGE, "refund": SaleKind.REFUND, "reversal": SaleKind.REVERSAL}
COLUMNS = ("site_code", "period", "channel", "operator", "recharge_count", "recharge_total",
           "refund_count", "refund_total", "reversal_count", "reversal_total", "count",
           "net_total")


def _zero():
    return literal(0, Money)


def totals(db: Session, period: Period, *, by: Collection[Breakdown] = (),
           site_ids: Collection[int] | None = None, channel: Channel | None = None,
           operator_id: int | None = None) -> Select:
    """One row per site, period (local day, month or year of the period's unit) and breakdown."""
    prepare(db)
    period_label = local_period(Sale.completed_at, Site.timezone, period.unit).label("period")
    keys = [Sale.site_id, Site.code.label("site_code"), period_label]
    blanks = []  # the breakdown columns not asked for, so every row has the same shape
    if Breakdown.CHANNEL in by:
        keys.append(Sale.channel)
    else:
        blanks.append(literal(None).label("channel"))
    if Breakdown.OPERATOR in by:
        keys += [Sale.operator_id, Operator.username.label("operator")]
    else:
        blanks += [literal(None).label("operator_id"), literal(None).label("operator")]
    measures = []
    for name, kind in KINDS.items():
        measures += [func.count(case((Sale.kind == kind, Sale.id))).label(f"{name}_count"),
                     func.coalesce(func.sum(case((Sale.kind == kind, Sale.amount))), _zero())
                     .label(f"{name}_total")]
    measures += [func.count(Sale.id).label("count"),
                 func.coalesce(func.sum(signed(Sale.amount, Sale.kind)), _zero()).label("net_total")]
    stmt = (select(*keys, *blanks, *measures).join(Site, Sale.site_id == Site.id)
            .where(Sale.receipt_number.is_not(None),
                   within(db, period, Sale.completed_at, site_ids)))
    if Breakdown.OPERATOR in by:
        # Online payments have no operator: their rows carry none, and still count.
        stmt = stmt.outerjoin(Operator, Sale.operator_id == Operator.id)
    for column, value in ((Sale.channel, channel), (Sale.operator_id, operator_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    order = [Site.code, period_label, *keys[3:]]
    return within_sites(stmt.group_by(*keys).order_by(*order), Sale.site_id, site_ids)


def sheet_rows(db: Session, stmt: Select) -> Iterator[tuple[Any, ...]]:
    """The totals' rows for the spreadsheet, in COLUMNS order, streamed."""
    for row in stream(db, stmt):
        yield tuple(plain(row[name]) for name in COLUMNS)
