"""Each gateway's daily bill, written from the sandbox's own records in that gateway's format.

Layouts: docs/payments.md (UnionPay's ZM file, the Alipay and WeChat summaries). A payment is
billed on the Shanghai day it was paid, a refund on the day it succeeded; rows the admin marked
`omit_from_bill` are left out. Fees are 0.6 %, charged on payments and given back pro rata."""

from __future__ import annotations

import gzip
import io
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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


def _cn_day(ts: float) -> str:
    return formats.local(ts).strftime("%Y年%m月%d日 %H:%M:%S")


# Alipay: a zip of two GBK CSV files


ALIPAY_DETAIL = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
    "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
    "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)
ALIPAY_SUMMARY = (
    "门店编号,门店名称,交易订单总笔数,退款订单总笔数,已收入款（元）,已退款（元）,支付宝红包（元）,集分宝（元）,"
    "支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）"
)


def _alipay_row(entry: Entry) -> tuple[list[str], int, int]:
    order, refund = entry.order, entry.refund
    amount = -refund["amount"] if refund else order["amount"]
    charged = fee(refund["amount"]) if refund else -fee(order["amount"])
    cells = [
        order["trade_no"] + "\t",
        order["out_trade_no"] + "\t",
        "退款" if refund else "交易",
        order["subject"],
        formats.wall_clock(order["created_at"]),
        formats.wall_clock(entry.at),
        "",
        "",
        "",
        "",
        "sa***@sandbox.test",
        formats.yuan_signed(amount),
        formats.yuan_signed(amount),
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "",
        "0.00",
        "0.00",
        (refund["out_refund_no"] + "\t") if refund else "",
        formats.yuan_signed(charged),
        "0.00",
        "",
    ]
    return cells, amount, charged


def alipay_bill(sandbox: Sandbox, day: str) -> tuple[str, bytes]:
    start, end = formats.day_bounds(day)
    pid = sandbox.keys.identity["alipay"]["seller_id"]
    stamp = day.replace("-", "")
    period = f"#起始日期：[{_cn_day(start)}]   终止日期：[{_cn_day(end)}]"
    exported = f"#导出时间：[{_cn_day(time.time())}]"
    rows = [_alipay_row(entry) for entry in entries(sandbox, "alipay", start, end)]
    trades = [r for r in rows if r[1] > 0]
    refunds = [r for r in rows if r[1] < 0]
    detail = [
        "#支付宝业务明细查询",
        f"#账号：[{pid}]",
        period,
        "#-----------------------------------------业务明细列表----------------------------------------",
        ALIPAY_DETAIL,
        *(",".join(cells) for cells, _, _ in rows),
        "#-----------------------------------------业务明细列表结束------------------------------------",
        f"#交易合计：{len(trades)}笔，退款合计：{len(refunds)}笔",
        exported,
    ]
    received, refunded = sum(r[1] for r in trades), sum(r[1] for r in refunds)
    fees = sum(r[2] for r in rows)
    totals = [
        str(len(trades)),
        str(len(refunds)),
        formats.yuan_signed(received),
        formats.yuan_signed(refunded),
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        formats.yuan_signed(fees),
        "0.00",
        formats.yuan_signed(received + refunded + fees),
    ]
    summary = [
        "#支付宝业务汇总查询",
        f"#账号：[{pid}]",
        period,
        "#-----------------------------------------业务汇总列表----------------------------------------",
        ALIPAY_SUMMARY,
        *([",".join(["", "", *totals])] if rows else []),
        ",".join(["合计", "", *totals]),
        "#-----------------------------------------业务汇总列表结束------------------------------------",
        exported,
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{pid}_{stamp}_业务明细.csv", "\r\n".join(detail).encode("gbk") + b"\r\n")
        archive.writestr(f"{pid}_{stamp}_业务明细(汇总).csv", "\r\n".join(summary).encode("gbk") + b"\r\n")
    return f"{pid}_{stamp}.csv.zip", buffer.getvalue()


# WeChat: a gzipped UTF-8 CSV in four parts, every value behind a backtick


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


# UnionPay: the ZM file (fixed width, GBK) zipped; fields and widths as docs/payments.md


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
