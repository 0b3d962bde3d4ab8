"""Our side of a reconciliation, read from the database: the orders and refunds of a site's
channel for a day, what the clearing account posted for each, and local meters' purchase counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.ledger.books import code_for
from shared_models.models import (
    Command,
    LedgerAccount,
    LedgerTransaction,
    Meter,
    Posting,
    Reading,
)
from shared_models.models.commands import CommandKind, CommandState
from shared_models.models.ledger import AccountKind, Channel
from shared_models.models.payments import PaymentOrder, PaymentRefund, RefundState
from shared_models.payments.bills import BillRow
from shared_models.payments.matching import MeterPushes, OurPayment, OurRefund, Window

DEAD = (CommandState.FAILED, CommandState.EXPIRED)


def window(timezone: str, day: date, hold: timedelta) -> Window:
    """The business day in the site's time zone, as UTC instants."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return Window(start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC")), hold)


def payment_key(channel: Channel, trade_no: str) -> str:
    """The ledger's external key of the sale that credited a payment (see `confirm.apply`)."""
    return f"{channel.value}:{trade_no}"


def refund_key(channel: Channel, out_refund_no: str) -> str:
    """The ledger's external key of a refund the gateway confirmed (see `refunds.settle`)."""
    return f"{channel.value}:refund:{out_refund_no}"


@dataclass(frozen=True)
class Posted:
    transaction_id: int
    amount: Decimal  # money into clearing through the gateway: the clearing posting, negated


def clearing_postings(db: Session, site_id: int, channel: Channel, keys: Iterable[str]) -> dict[str, Posted]:
    """The clearing account's postings of the transactions posted under `keys`."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    rows = db.execute(
        select(LedgerTransaction.external_key, LedgerTransaction.id, Posting.amount)
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerTransaction.site_id == site_id, LedgerTransaction.external_key.in_(keys),
               LedgerAccount.site_id == site_id,
               LedgerAccount.code == code_for(AccountKind.CLEARING, channel)))
    return {key: Posted(txn_id, -amount) for key, txn_id, amount in rows}


def site_rows(db: Session, site_id: int, channel: Channel, rows: list[BillRow]) -> list[BillRow]:
    """The bill rows that are not another site's: a merchant account shared by several sites
    bills them all in one file. Rows naming no order we know stay (someone must look)."""
    outs = {row.out_trade_no for row in rows if row.out_trade_no}
    trades = {row.trade_no for row in rows if row.trade_no}
    refund_nos = {row.refund_no for row in rows if row.refund_no}
    site_of: dict[str, int] = {}
    if outs or trades:
        for out, trade, order_site in db.execute(
                select(PaymentOrder.out_trade_no, PaymentOrder.trade_no, PaymentOrder.site_id)
                .where(PaymentOrder.channel == channel,
                       or_(PaymentOrder.out_trade_no.in_(outs), PaymentOrder.trade_no.in_(trades)))):
            site_of[f"o:{out}"] = order_site
            if trade:
                site_of[f"t:{trade}"] = order_site
    if refund_nos:
        for number, order_site in db.execute(
                select(PaymentRefund.out_refund_no, PaymentOrder.site_id)
                .join(PaymentOrder, PaymentOrder.id == PaymentRefund.order_id)
                .where(PaymentRefund.out_refund_no.in_(refund_nos))):
            site_of[f"r:{number}"] = order_site

    def owner(row: BillRow) -> int | None:
        for key in (f"r:{row.refund_no}", f"o:{row.out_trade_no}", f"t:{row.trade_no}"):
            if key in site_of:
                return site_of[key]
        return None

    return [row for row in rows if owner(row) in (None, site_id)]


def payments(db: Session, site_id: int, channel: Channel, day: Window, rows: list[BillRow],
             held_order_ids: set[int]) -> list[OurPayment]:
    """Orders paid within the day, held from the day before, or named by a bill row."""
    outs = {row.out_trade_no for row in rows if row.kind == "payment" and row.out_trade_no}
    trades = {row.trade_no for row in rows if row.kind == "payment" and row.trade_no}
    orders = db.scalars(select(PaymentOrder).where(
        PaymentOrder.site_id == site_id, PaymentOrder.channel == channel,
        or_(PaymentOrder.paid_at.between(day.start, day.end),
            PaymentOrder.id.in_(held_order_ids or {0}), PaymentOrder.out_trade_no.in_(outs or {""}),
            PaymentOrder.trade_no.in_(trades or {""}))).order_by(PaymentOrder.id)).all()
    posted = clearing_postings(db, site_id, channel,
                               (payment_key(channel, o.trade_no) for o in orders if o.trade_no))
    found = []
    for order in orders:
        entry = posted.get(payment_key(channel, order.trade_no)) if order.trade_no else None
        found.append(OurPayment(order.id, order.out_trade_no, order.trade_no, order.paid_at,
                                entry.amount if entry else None, held=order.id in held_order_ids))
    return found


def refunds(db: Session, site_id: int, channel: Channel, day: Window, rows: list[BillRow],
            held_refund_ids: set[int]) -> list[OurRefund]:
    """Refunds confirmed within the day, held from the day before, or named by a bill row."""
    numbers = {row.refund_no for row in rows if row.kind == "refund" and row.refund_no}
    found = db.execute(
        select(PaymentRefund, PaymentOrder.out_trade_no, PaymentOrder.trade_no)
        .join(PaymentOrder, PaymentOrder.id == PaymentRefund.order_id)
        .where(PaymentOrder.site_id == site_id, PaymentOrder.channel == channel,
               or_((PaymentRefund.state == RefundState.SUCCEEDED)
                   & PaymentRefund.completed_at.between(day.start, day.end),
                   PaymentRefund.id.in_(held_refund_ids or {0}),
                   PaymentRefund.out_refund_no.in_(numbers or {""})))
        .order_by(PaymentRefund.id)).all()
    posted = clearing_postings(db, site_id, channel,
                               (refund_key(channel, r.out_refund_no) for r, _o, _t in found))
    ours = []
    for refund, out_trade_no, trade_no in found:
        entry = posted.get(refund_key(channel, refund.out_refund_no))
        moment = refund.completed_at if refund.state == RefundState.SUCCEEDED else None
        ours.append(OurRefund(refund.id, refund.order_id, refund.out_refund_no, out_trade_no,
                              trade_no, moment, entry.amount if entry else None,
                              held=refund.id in held_refund_ids))
    return ours


def meter_pushes(db: Session, site_id: int, day: Window) -> list[MeterPushes]:
    """Local-mode meters sent credit during the day: the purchase count their live pushes
    reach by the day's end, and the count the meter read back by then (plus the hold, so a
    push made just before midnight has had time to be read)."""
    pushed = db.execute(
        select(Meter.id, Meter.serial_number)
        .where(Meter.control_mode == ControlMode.LOCAL,
               Meter.id.in_(select(Command.meter_id).where(
                   Command.site_id == site_id, Command.kind == CommandKind.RECHARGE,
                   Command.created_at >= day.start, Command.created_at < day.end,
                   Command.state.not_in(DEAD))))
        .order_by(Meter.id)).all()
    found = []
    for meter_id, serial in pushed:
        queued = db.scalar(select(func.max(Command.purchase_count)).where(
            Command.meter_id == meter_id, Command.kind == CommandKind.RECHARGE,
            Command.state.not_in(DEAD), Command.created_at < day.end))
        read = db.scalar(select(Reading.purchase_count).where(
            Reading.meter_id == meter_id, Reading.read_at < day.end + day.hold)
            .order_by(Reading.read_at.desc(), Reading.id.desc()).limit(1))
        found.append(MeterPushes(meter_id, serial, queued or 0, read))
    return found
