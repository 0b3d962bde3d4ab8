"""UnionPay's ZM file (fixed width, GBK, one line per transaction), zipped; layout in docs/payments.md."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime, timedelta

from ops.sandbox_gateway import formats
from ops.sandbox_gateway.bills import Entry, entries, fee
from ops.sandbox_gateway.sandbox import Sandbox

ZM_WIDTHS = (
    3,
    11,
    11,
    6,
    10,
    19,
    12,
    4,
    2,
    21,
    2,
    32,
    2,
    6,
    10,
    13,
    13,
    4,
    15,
    2,
    2,
    6,
    2,
    4,
    32,
    1,
    21,
    15,
    1,
    15,
    32,
    13,
    13,
    8,
    32,
    13,
    13,
    12,
    2,
    1,
    131,
)
ZM_CODES = {"purchase": "S22", "cancel": "S31", "refund": "S56"}
INSTITUTION = "00049992900"


def _signed(letter_positive: str, letter_negative: str, fen: int) -> str:
    return (letter_positive if fen >= 0 else letter_negative) + f"{abs(fen):012d}"


def _zm_line(entry: Entry, mer_id: str) -> bytes:
    order, refund = entry.order, entry.refund
    kind = refund["kind"] if refund else "purchase"
    query_id = refund["refund_no"] if refund else order["trade_no"]
    amount = refund["amount"] if refund else order["amount"]
    settle = -amount if refund else amount  # C credits the merchant, D debits
    charged = -fee(amount) if refund else fee(amount)  # D charged, C given back
    moment = formats.local(entry.at).strftime("%m%d%H%M%S")
    original = formats.local(order["paid_at"]).strftime("%m%d%H%M%S") if refund else ""
    fields = [
        ZM_CODES[kind],
        INSTITUTION,
        INSTITUTION,
        query_id[-6:],
        moment,
        "621483******" + query_id[-4:],
        f"{amount:012d}",
        "4900",
        "08",
        query_id,
        "",
        refund["out_refund_no"] if refund else order["out_trade_no"],
        "01",
        order["trade_no"][-6:] if refund else "",
        original,
        _signed("D", "C", charged),
        _signed("C", "D", settle),
        "",
        "",
        {"purchase": "01", "cancel": "31", "refund": "04"}[kind],
        "07" if kind == "purchase" else "00",
        "000000",
        "",
        "",
        "",
        "",
        order["trade_no"] if refund else "",
        mer_id,
        "",
        "",
        "",
        "",
        _signed("C", "D", settle - charged),
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    cells = [
        value.encode("gbk").ljust(width, b" ")[:width] for value, width in zip(fields, ZM_WIDTHS, strict=True)
    ]
    return b" ".join(cells)


def settle_day(mmdd: str, today: date) -> date:
    """The latest date with that month and day, no later than today (the file is asked by MMDD)."""
    for year in (today.year, today.year - 1):
        try:
            candidate = date(year, int(mmdd[:2]), int(mmdd[2:]))
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise ValueError(f"no settlement day {mmdd}")


def unionpay_bill(sandbox: Sandbox, mmdd: str) -> tuple[str, bytes]:
    day = settle_day(mmdd, formats.local(time.time()).date())
    start = datetime(day.year, day.month, day.day, tzinfo=formats.SHANGHAI).timestamp()
    end = (datetime(day.year, day.month, day.day, tzinfo=formats.SHANGHAI) + timedelta(days=1)).timestamp()
    mer_id = sandbox.merchant("unionpay")
    lines = [_zm_line(entry, mer_id) for entry in entries(sandbox, "unionpay", start, end)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"INN{day:%y%m%d}88ZM_{mer_id}", b"".join(line + b"\r\n" for line in lines))
    return f"{day:%Y%m%d}_{mer_id}.zip", buffer.getvalue()
