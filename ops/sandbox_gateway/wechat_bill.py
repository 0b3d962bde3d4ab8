"""WeChat Pay's trade bill: a gzipped UTF-8 CSV in four parts, every value behind a backtick."""

from __future__ import annotations

import gzip

from ops.sandbox_gateway import formats
from ops.sandbox_gateway.bills import Entry, entries, fee
from ops.sandbox_gateway.sandbox import Sandbox

WECHAT_DETAIL = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)
WECHAT_SUMMARY = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
TRADE_TYPES = {"qr": "NATIVE", "jsapi": "JSAPI", "code": "MICROPAY", "wap": "MWEB"}


def _wechat_row(sandbox: Sandbox, entry: Entry) -> list[int | str]:
    """Cells with amounts as fen (ints) so the summary can add them up."""
    order, refund = entry.order, entry.refund
    openid = order["payer"] or "o" + order["trade_no"][-27:]
    head = [
        formats.wall_clock(entry.at),
        sandbox.keys.identity["wechat"]["appid"],
        order["merchant"],
        "0",
        "",
        order["trade_no"],
        order["out_trade_no"],
        openid,
        TRADE_TYPES[order["kind"]],
    ]
    if refund:
        return [
            *head,
            "REFUND",
            "OTHERS",
            "CNY",
            0,
            0,
            refund["refund_no"],
            refund["out_refund_no"],
            refund["amount"],
            0,
            "ORIGINAL",
            "SUCCESS",
            order["subject"],
            "",
            -fee(refund["amount"]),
            "0.60%",
            0,
            refund["amount"],
            "",
        ]
    return [
        *head,
        "SUCCESS",
        "OTHERS",
        "CNY",
        order["amount"],
        0,
        "0",
        "0",
        0,
        0,
        "",
        "",
        order["subject"],
        "",
        fee(order["amount"]),
        "0.60%",
        order["amount"],
        0,
        "",
    ]


def _ticked(cells: list[int | str]) -> str:
    return ",".join("`" + (formats.yuan_signed(c) if isinstance(c, int) else c) for c in cells)


def wechat_bill(sandbox: Sandbox, day: str, bill_type: str = "ALL") -> bytes | None:
    """The gzip file, or None when the day has no rows (WeChat answers NO_STATEMENT_EXIST)."""
    start, end = formats.day_bounds(day)
    found = entries(sandbox, "wechat", start, end)
    if bill_type != "ALL":
        found = [e for e in found if (e.refund is None) == (bill_type == "SUCCESS")]
    if not found:
        return None
    rows = [_wechat_row(sandbox, entry) for entry in found]
    # Summary columns: sums of 应结订单金额, 退款金额, 充值券退款金额, 手续费, 订单金额, 申请退款金额.
    sums = [sum(int(row[i]) for row in rows) for i in (12, 16, 17, 22, 24, 25)]
    lines = [WECHAT_DETAIL, *(_ticked(row) for row in rows), WECHAT_SUMMARY, _ticked([str(len(rows)), *sums])]
    return gzip.compress(("\r\n".join(lines) + "\r\n").encode("utf-8"), mtime=0)
