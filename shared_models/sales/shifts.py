"""Operator shifts at the counter and the close-of-shift cash report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from shared_models.errors import Conflict, NotFound, RuleViolation
from shared_models.models import Sale, Shift, Site
from shared_models.models.sales import SaleKind, SaleStatus
from shared_models.types import utcnow

# Which way money goes for the drawer: recharges bring it in, refunds and reversals pay it out.
_SIGN = {SaleKind.RECHARGE: 1, SaleKind.REFUND: -1, SaleKind.REVERSAL: -1}


_OPEN = select(Shift).where(Shift.operator_id == bindparam("s_operator"),
                            Shift.site_id == bindparam("s_site"), Shift.closed_at.is_(None))


def current(db: Session, operator_id: int, site_id: int) -> Shift:
    """The operator's open shift at the site; selling without one is refused."""
    shift = db.scalar(_OPEN, {"s_operator": operator_id, "s_site": site_id})
    if shift is None:
        raise RuleViolation("Open a shift at this site before selling.")
    return shift


def open_shift(db: Session, operator_id: int, site_id: int) -> Shift:
    if db.get(Site, site_id) is None:
        raise NotFound("No such {what}.", what="site")
    if db.scalar(select(Shift.id).where(Shift.operator_id == operator_id, Shift.site_id == site_id,
                                        Shift.closed_at.is_(None))):
        raise Conflict("You already have an open shift at this site.")
    shift = Shift(operator_id=operator_id, site_id=site_id)
    db.add(shift)
    db.flush()
    return shift


def close_shift(db: Session, shift: Shift, operator_id: int, *, may_close_others: bool) -> Shift:
    if shift.closed_at is not None:
        raise RuleViolation("This shift is already closed.")
    if shift.operator_id != operator_id and not may_close_others:
        raise RuleViolation("Only the operator of a shift, or a supervisor, can close it.")
    shift.closed_at = utcnow()
    db.flush()
    return shift


def cash_report(db: Session, shift: Shift) -> dict[str, Any]:
    """Totals by channel and kind of the shift's completed sales, the net per channel (what the
    drawer or the card terminal should show), and the refunds still awaiting approval."""
    rows = db.execute(
        select(Sale.channel, Sale.kind, func.count(Sale.id), func.sum(Sale.amount))
        .where(Sale.shift_id == shift.id, Sale.status.in_([SaleStatus.COMPLETED,
                                                           SaleStatus.REVERSED]))
        .group_by(Sale.channel, Sale.kind).order_by(Sale.channel, Sale.kind)).all()
    totals = [{"channel": channel, "kind": kind, "count": count, "total": total}
              for channel, kind, count, total in rows]
    net: dict[str, Decimal] = {}
    for channel, kind, _count, total in rows:
        net[channel] = net.get(channel, Decimal("0.00")) + _SIGN[kind] * total
    pending = db.execute(select(func.count(Sale.id), func.sum(Sale.amount)).where(
        Sale.shift_id == shift.id, Sale.status == SaleStatus.PENDING)).one()
    return {
        "shift": shift,
        "totals": totals,
        "net_by_channel": [{"channel": c, "net": n} for c, n in sorted(net.items())],
        "net_total": sum(net.values(), Decimal("0.00")),
        "pending_refunds": pending[0],
        "pending_refunds_total": pending[1] if pending[1] is not None else Decimal("0.00"),
    }
