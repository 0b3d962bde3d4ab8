"""What goes into a day's bill, whichever gateway's format writes it (alipay_bill, wechat_bill, ...).

Layouts: docs/payments.md (UnionPay's ZM file, the Alipay and WeChat summaries). A payment is
billed on the Shanghai day it was paid, a refund on the day it succeeded; rows the admin marked
`omit_from_bill` are left out. Fees are 0.6 %, charged on payments and given back pro rata."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ops.sandbox_gateway import formats
from ops.sandbox_gateway.sandbox import Sandbox
from ops.sandbox_gateway.state import Row

FEE_RATE = Decimal("0.006")


def fee(fen: int) -> int:
    return int((Decimal(fen) * FEE_RATE).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Entry:
    """One billed movement: a payment (order only) or a refund (order and refund)."""

    at: float
    order: Row
    refund: Row | None = None


def entries(sandbox: Sandbox, gateway: str, start: float, end: float) -> list[Entry]:
    found = []
    for order in sandbox.store.orders(gateway):
        if order["paid_at"] and start <= order["paid_at"] < end and not order["omit_from_bill"]:
            found.append(Entry(order["paid_at"], order))
    for refund in sandbox.store.refunds(gateway):
        done = refund["succeeded_at"]
        if refund["status"] == "SUCCESS" and start <= done < end and not refund["omit_from_bill"]:
            found.append(Entry(done, sandbox.store.order(refund["order_id"]), refund))
    return sorted(found, key=lambda entry: entry.at)


def cn_time(ts: float) -> str:
    return formats.local(ts).strftime("%Y年%m月%d日 %H:%M:%S")
