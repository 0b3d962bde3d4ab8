"""Reconciliation rules, pure: a day's bill rows against our payments, refunds and meters.

Amounts are money into the channel's clearing account for the item, as each side says it:
payments positive, refunds negative, what our ledger posted (not what an order asked for), so
a break's difference is exactly what a compensating transaction has to move. No I/O here:
`reconciliation.py` reads the rows and stores what this finds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from shared_models.models.reconciliation import BreakKind
from shared_models.payments.bills import BillRow

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Window:
    """A business day as UTC instants, and how close to its end an item may be held."""

    start: datetime
    end: datetime
    hold: timedelta = timedelta(minutes=30)

    def __contains__(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def near_end(self, moment: datetime | None) -> bool:
        return moment is not None and self.end - self.hold <= moment < self.end


@dataclass(frozen=True)
class OurPayment:
    """An order of ours: `posted` is what its sale took into clearing (None: not credited)."""

    order_id: int
    out_trade_no: str
    trade_no: str | None
    paid_at: datetime | None
    posted: Decimal | None
    held: bool = False  # carried over from the previous day's holding pool

    @property
    def reference(self) -> str:
        return f"payment:{self.out_trade_no}"


@dataclass(frozen=True)
class OurRefund:
    """A refund of ours: `posted` is what it took out of clearing, negative (None: not done)."""

    refund_id: int
    order_id: int
    out_refund_no: str
    out_trade_no: str
    trade_no: str | None
    completed_at: datetime | None
    posted: Decimal | None
    held: bool = False

    @property
    def reference(self) -> str:
        return f"refund:{self.out_refund_no}"


@dataclass(frozen=True)
class Finding:
    """A break as found: what kind, about what, and both sides' amounts."""

    kind: BreakKind
    reference: str
    gateway_amount: Decimal
    our_amount: Decimal
    detail: str
    order_id: int | None = None
    refund_id: int | None = None
    meter_id: int | None = None
    out_trade_no: str | None = None
    trade_no: str | None = None


@dataclass(frozen=True)
class Hold:
    """An item missing from the bill but paid close to midnight: looked for again tomorrow."""

    reference: str
    amount: Decimal
    order_id: int | None = None
    refund_id: int | None = None


@dataclass
class Result:
    matched: list[str] = field(default_factory=list)  # references found on both sides, equal
    breaks: list[Finding] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    released: list[str] = field(default_factory=list)  # held references this bill accounted for
    broken: list[str] = field(default_factory=list)  # held references that became breaks


def match(rows: Iterable[BillRow], payments: Iterable[OurPayment], refunds: Iterable[OurRefund],
          window: Window, *, billed_before: frozenset[str] = frozenset()) -> Result:
    """Match one day's bill rows with our side. `payments` and `refunds` are ours for the day
    (paid or refunded within the window, or held from the day before) plus any a bill row names;
    `billed_before` holds the references the previous day's bill already carried."""
    payments, refunds = list(payments), list(refunds)
    by_out = {p.out_trade_no: p for p in payments}
    by_trade = {p.trade_no: p for p in payments if p.trade_no}
    by_refund = {r.out_refund_no: r for r in refunds}
    result, seen, copies = Result(), set(), {}
    for row in rows:
        if row.kind == "payment":
            ours = by_out.get(row.out_trade_no) if row.out_trade_no else by_trade.get(row.trade_no)
            ref = ours.reference if ours else f"payment:{row.out_trade_no or row.trade_no}"
        else:
            ours = by_refund.get(row.refund_no or "")
            ref = ours.reference if ours else f"refund:{row.refund_no or row.trade_no}"
        if ref in seen or ref in billed_before:
            copies[ref] = copies.get(ref, 1) + 1
            where = "twice in this bill" if ref in seen else "also in the previous day's bill"
            result.breaks.append(Finding(
                BreakKind.DUPLICATE, f"duplicate:{ref}#{copies[ref]}", row.amount, ZERO,
                f"{row.kind} {row.trade_no or ''} billed {where}",
                order_id=_order_id(ours), refund_id=getattr(ours, "refund_id", None),
                out_trade_no=row.out_trade_no or getattr(ours, "out_trade_no", None),
                trade_no=row.trade_no))
            continue
        seen.add(ref)
        finding = (_payment(row, ours, ref) if row.kind == "payment" else _refund(row, ours, ref))
        if finding is None:
            result.matched.append(ref)
        else:
            result.breaks.append(finding)
        if ours is not None and ours.held:
            result.released.append(ref)
    for ours in [*payments, *refunds]:
        if ours.posted is None or ours.reference in seen:
            continue
        moment = ours.paid_at if isinstance(ours, OurPayment) else ours.completed_at
        if not ours.held and moment not in window:
            continue  # named by another day's bill row only
        if ours.reference in billed_before:
            result.matched.append(ours.reference)  # paid just after midnight, billed the day before
        elif not ours.held and window.near_end(moment):
            result.holds.append(Hold(ours.reference, ours.posted, ours.order_id,
                                     getattr(ours, "refund_id", None)))
        else:
            result.breaks.append(_missing(ours))
            if ours.held:
                result.broken.append(ours.reference)
    return result


def _order_id(ours) -> int | None:
    return ours.order_id if ours is not None else None


def _payment(row: BillRow, ours: OurPayment | None, ref: str) -> Finding | None:
    common = {"order_id": _order_id(ours), "out_trade_no": row.out_trade_no or
              (ours.out_trade_no if ours else None), "trade_no": row.trade_no}
    if ours is None:
        return Finding(BreakKind.PAID_NOT_CREDITED, ref, row.amount, ZERO,
                       "paid at the gateway; no order of ours", **common)
    if ours.posted is None:
        return Finding(BreakKind.PAID_NOT_CREDITED, ref, row.amount, ZERO,
                       "paid at the gateway; the order was never credited", **common)
    if ours.posted != row.amount:
        return Finding(BreakKind.AMOUNT_MISMATCH, ref, row.amount, ours.posted,
                       f"the gateway billed {row.amount}, we credited {ours.posted}", **common)
    return None


def _refund(row: BillRow, ours: OurRefund | None, ref: str) -> Finding | None:
    common = {"order_id": _order_id(ours), "refund_id": ours.refund_id if ours else None,
              "out_trade_no": row.out_trade_no or (ours.out_trade_no if ours else None),
              "trade_no": row.trade_no}
    if ours is None or ours.posted is None:
        return Finding(BreakKind.REFUND_MISMATCH, ref, row.amount, ZERO,
                       "refunded at the gateway, not on our books", **common)
    if ours.posted != row.amount:
        return Finding(BreakKind.REFUND_MISMATCH, ref, row.amount, ours.posted,
                       f"the gateway refunded {-row.amount}, we booked {-ours.posted}", **common)
    return None


def _missing(ours: OurPayment | OurRefund) -> Finding:
    later = " (held from the day before, in neither bill)" if ours.held else ""
    if isinstance(ours, OurPayment):
        return Finding(BreakKind.CREDITED_NOT_BILLED, ours.reference, ZERO, ours.posted,
                       f"credited by us, missing from the bill{later}", order_id=ours.order_id,
                       out_trade_no=ours.out_trade_no, trade_no=ours.trade_no)
    return Finding(BreakKind.REFUND_MISMATCH, ours.reference, ZERO, ours.posted,
                   f"refunded on our books, missing from the bill{later}", order_id=ours.order_id,
                   refund_id=ours.refund_id, out_trade_no=ours.out_trade_no, trade_no=ours.trade_no)


# -- local-mode meters (本地费控) -------------------------------------------------------------


@dataclass(frozen=True)
class MeterPushes:
    """A local-mode meter that was sent credit during the day: the purchase count the pushes
    queued for it reach, and the count the meter itself read back (None: not read since)."""

    meter_id: int
    serial_number: str
    queued: int
    read: int | None


def purchase_counts(meters: Iterable[MeterPushes]) -> list[Finding]:
    """A break for each meter whose count read back is not the count its pushes reached:
    lower, a push the meter never took; higher, a purchase we never queued."""
    found = []
    for meter in meters:
        if meter.read == meter.queued:
            continue
        read = "no reading since" if meter.read is None else f"the meter reads {meter.read}"
        found.append(Finding(BreakKind.PURCHASE_COUNT_MISMATCH, f"meter:{meter.meter_id}", ZERO,
                             ZERO, f"meter {meter.serial_number}: pushes queued up to purchase "
                             f"{meter.queued}; {read}", meter_id=meter.meter_id))
    return found
