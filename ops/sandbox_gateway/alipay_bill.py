"""Alipay's trade bill: a zip of two GBK CSV files (业务明细 and its 汇总), `#` preamble and footer."""

from __future__ import annotations

import io
import time
import zipfile

from ops.sandbox_gateway import formats
from ops.sandbox_gateway.bills import Entry, cn_time, entries, fee
from ops.sandbox_gateway.sandbox import Sandbox

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
    period = f"#起始日期：[{cn_time(start)}]   终止日期：[{cn_time(end)}]"
    exported = f"#导出时间：[{cn_time(time.time())}]"
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
