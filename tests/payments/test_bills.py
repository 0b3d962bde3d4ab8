"""Bill parsers on files built here in each gateway's own format, totals checked against rows."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared_models.payments.bills import BillError, parse, parse_alipay, parse_unionpay, parse_wechat

# -- Alipay: a zip of GBK CSVs with # preamble and footer, cells ending in tabs -------------------

ALIPAY_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
    "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,"
    "券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)
ALIPAY_SUMMARY_HEADER = (
    "门店编号,门店名称,交易订单总笔数,退款订单总笔数,已收入款（元）,已退款（元）,支付宝红包（元）,"
    "集分宝（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）"
)


def alipay_row(trade_no, out_trade_no, kind, amount, fee, refund_no=""):
    cells = [
        trade_no,
        out_trade_no,
        kind,
        "电费充值",
        "2024-03-15 11:59:58",
        "2024-03-15 12:00:05",
        "",
        "",
        "",
        "",
        "buy***@example.com",
        amount,
        amount,
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "",
        "0.00",
        "0.00",
        refund_no,
        fee,
        "0.00",
        "",
    ]
    return ",".join(cell + "\t" for cell in cells)


class GbkNamed(zipfile.ZipInfo):
    """A member named in GBK without the UTF-8 flag, as Alipay writes it (zipfile would use UTF-8)."""

    __slots__ = ()

    def _encodeFilenameFlags(self):  # zipfile's own hook for the stored name
        return self.filename.encode("gbk"), self.flag_bits


def alipay_zip(rows, totals=("2", "1", "22.30", "-2.00", "-0.13")) -> bytes:
    detail = "\n".join(
        [
            "#支付宝业务明细查询",
            "#账号：[20880000000000010156]",
            "#起始日期：[2024年03月15日 00:00:00]   终止日期：[2024年03月16日 00:00:00]",
            "#-----------------------------------------业务明细列表----------------------------------------",
            ALIPAY_HEADER,
            *rows,
            "#-----------------------------------------业务明细列表结束------------------------------------",
            "#导出时间：[2024年03月16日 09:10:11]",
        ]
    )
    count, refunds, paid, refunded, fees = totals
    summary = "\n".join(
        [
            "#支付宝业务汇总查询",
            "#账号：[20880000000000010156]",
            ALIPAY_SUMMARY_HEADER,
            f"\t,\t,{count}\t,{refunds}\t,{paid}\t,{refunded}\t,0.00,0.00,0.00,0.00,0.00,{fees}\t,0.00,0.00",
            f"合计\t,\t,{count}\t,{refunds}\t,{paid}\t,{refunded}\t,0.00,0.00,0.00,0.00,0.00,{fees}\t,0.00,0.00",
            "#导出时间：[2024年03月16日 09:10:11]",
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # Names as Alipay writes them: GBK bytes, no UTF-8 flag.
        for name, text in (
            ("20880000000000010156_20240315_业务明细.csv", detail),
            ("20880000000000010156_20240315_业务明细(汇总).csv", summary),
        ):
            info = GbkNamed(name, date_time=(2024, 3, 16, 9, 10, 11))
            archive.writestr(info, text.encode("gbk"))
    return buffer.getvalue()


ALIPAY_ROWS = [
    alipay_row("2024031522001", "WK1", "交易", "12.30", "-0.07"),
    alipay_row("2024031522002", "WK2", "交易", "10.00", "-0.06"),
    alipay_row("2024031522001", "WK1", "退款", "-2.00", "0.00", refund_no="WK1R1"),
]


def test_alipay_rows_and_summary():
    bill = parse_alipay(alipay_zip(ALIPAY_ROWS))
    first, _, refund = bill.rows
    assert (first.out_trade_no, first.trade_no, first.kind, first.amount, first.fee) == (
        "WK1",
        "2024031522001",
        "payment",
        Decimal("12.30"),
        Decimal("0.07"),
    )
    assert first.at == datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC)
    assert (refund.kind, refund.amount, refund.refund_no) == ("refund", Decimal("-2.00"), "WK1R1")
    summary = bill.summary
    assert (summary.payments, summary.refunds, summary.paid, summary.refunded, summary.fees) == (
        2,
        1,
        Decimal("22.30"),
        Decimal("-2.00"),
        Decimal("0.13"),
    )
    assert parse("alipay", alipay_zip(ALIPAY_ROWS)) == bill


@pytest.mark.parametrize(
    "totals, named",
    [
        (
            ("3", "1", "22.30", "-2.00", "-0.13"),
            "交易订单总笔数: the file's total says 3, its rows add up to 2",
        ),
        (
            ("2", "1", "22.31", "-2.00", "-0.13"),
            "已收入款（元）: the file's total says 22.31, its rows add up to 22.30",
        ),
        (("2", "1", "22.30", "-3.00", "-0.13"), "已退款"),
        (("2", "1", "22.30", "-2.00", "-0.14"), "服务费"),
    ],
)
def test_alipay_totals_that_disagree_with_the_rows_name_the_numbers(totals, named):
    with pytest.raises(BillError, match=named.replace("(", r"\(").replace(")", r"\)")):
        parse_alipay(alipay_zip(ALIPAY_ROWS, totals))


def test_alipay_unreadable_files():
    with pytest.raises(BillError, match="not a zip"):
        parse_alipay(b"not a zip")
    with pytest.raises(BillError, match="业务类型"):
        parse_alipay(
            alipay_zip([alipay_row("1", "WK", "转账", "1.00", "0.00")], ("1", "0", "1.00", "0", "0"))
        )
    with pytest.raises(BillError, match="Alipay detail row 1"):
        parse_alipay(
            alipay_zip([alipay_row("1", "WK", "交易", "1.0x", "0.00")], ("1", "0", "1.00", "0", "0"))
        )


# -- WeChat: gzip, UTF-8, every value behind a backtick ------------------------------------------

WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
    "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


def wechat_row(at, txn, out, state, settle, refund_id, refund_no, refund, fee, order, asked):
    cells = [
        at,
        "wx8888888888888888",
        "1900000001",
        "0",
        "",
        txn,
        out,
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "NATIVE",
        state,
        "OTHERS",
        "CNY",
        settle,
        "0.00",
        refund_id,
        refund_no,
        refund,
        "0.00",
        "ORIGINAL" if state == "REFUND" else "",
        "SUCCESS" if state == "REFUND" else "",
        "电费充值",
        "",
        fee,
        "0.60%",
        order,
        asked,
        "",
    ]
    return ",".join("`" + cell for cell in cells)


WECHAT_ROWS = [
    wechat_row(
        "2024-03-15 12:00:05",
        "4200000001",
        "WK1",
        "SUCCESS",
        "12.30",
        "0",
        "0",
        "0.00",
        "0.07",
        "12.30",
        "0.00",
    ),
    wechat_row(
        "2024-03-15 12:30:00",
        "4200000002",
        "WK2",
        "SUCCESS",
        "10.00",
        "0",
        "0",
        "0.00",
        "0.06",
        "10.00",
        "0.00",
    ),
    wechat_row(
        "2024-03-15 13:00:00",
        "4200000001",
        "WK1",
        "REFUND",
        "0.00",
        "50000000001",
        "WK1R1",
        "2.00",
        "-0.01",
        "0.00",
        "2.00",
    ),
]


def wechat_gzip(rows, summary=("3", "22.30", "2.00", "0.00", "0.12", "22.30", "2.00")) -> bytes:
    text = (
        "\r\n".join(
            [
                WECHAT_HEADER,
                *rows,
                "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,"
                "订单总金额,申请退款总金额",
                ",".join("`" + value for value in summary),
            ]
        )
        + "\r\n"
    )
    return gzip.compress(text.encode("utf-8"))


def test_wechat_rows_and_summary():
    bill = parse_wechat(wechat_gzip(WECHAT_ROWS))
    first, _, refund = bill.rows
    assert (first.out_trade_no, first.trade_no, first.kind, first.amount, first.fee) == (
        "WK1",
        "4200000001",
        "payment",
        Decimal("12.30"),
        Decimal("0.07"),
    )
    assert first.at == datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC)
    assert (refund.kind, refund.amount, refund.refund_no, refund.fee) == (
        "refund",
        Decimal("-2.00"),
        "WK1R1",
        Decimal("-0.01"),
    )
    assert bill.summary.paid == Decimal("22.30") and bill.summary.fees == Decimal("0.12")


def test_wechat_refund_rows_that_repeat_the_order_amount_add_up_either_way():
    rows = WECHAT_ROWS[:2] + [
        wechat_row(
            "2024-03-15 13:00:00",
            "4200000001",
            "WK1",
            "REFUND",
            "12.30",
            "50000000001",
            "WK1R1",
            "2.00",
            "-0.01",
            "12.30",
            "2.00",
        )
    ]
    assert (
        len(
            parse_wechat(wechat_gzip(rows, ("3", "34.60", "2.00", "0.00", "0.12", "34.60", "2.00"))).rows
        )
        == 3
    )
    assert (
        len(
            parse_wechat(wechat_gzip(rows, ("2", "22.30", "2.00", "0.00", "0.12", "22.30", "2.00"))).rows
        )
        == 3
    )


@pytest.mark.parametrize(
    "summary, named",
    [
        (
            ("4", "22.30", "2.00", "0.00", "0.12", "22.30", "2.00"),
            "总交易单数: the file's total says 4, its rows add up to 3",
        ),
        (
            ("3", "22.40", "2.00", "0.00", "0.12", "22.30", "2.00"),
            "应结订单总金额: the file's total says 22.40",
        ),
        (
            ("3", "22.30", "2.50", "0.00", "0.12", "22.30", "2.00"),
            "退款总金额: the file's total says 2.50, its rows add up to 2.00",
        ),
        (("3", "22.30", "2.00", "0.00", "0.13", "22.30", "2.00"), "手续费总金额"),
        (("3", "22.30", "2.00", "0.00", "0.12", "22.30", "3.00"), "申请退款总金额"),
    ],
)
def test_wechat_totals_that_disagree_with_the_rows_name_the_numbers(summary, named):
    with pytest.raises(BillError, match=named):
        parse_wechat(wechat_gzip(WECHAT_ROWS, summary))


def test_wechat_unreadable_files():
    with pytest.raises(BillError, match="summary"):
        parse_wechat(gzip.compress(WECHAT_HEADER.encode()))
    with pytest.raises(BillError, match="gzip"):
        parse_wechat(wechat_gzip(WECHAT_ROWS)[:-12])
    with pytest.raises(BillError, match="交易状态"):
        parse_wechat(
            wechat_gzip(
                [WECHAT_ROWS[0].replace("`SUCCESS", "`REVOKED")],
                ("1", "12.30", "0.00", "0.00", "0.07", "12.30", "0.00"),
            )
        )


# -- UnionPay: the ZM file's fixed-width lines (layout in docs/payments.md) ----------------------

ZM_WIDTHS = [
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
]


def zm_line(code, txn_type, time, fen, query_id, order_id, fee, settle, net, orig_query_id="") -> bytes:
    values = {
        0: code,
        1: "48020000",
        2: "48020000",
        3: "000006",
        4: time,
        5: "622188******0012",
        6: f"{fen:012d}",
        7: "4900",
        8: "07",
        9: query_id,
        11: order_id,
        12: "01",
        15: fee,
        16: settle,
        19: txn_type,
        20: "00" if txn_type != "01" else "07",
        21: "000000",
        26: orig_query_id,
        27: "777290058110048",
        32: net,
    }
    cells = []
    for index, width in enumerate(ZM_WIDTHS):
        value = values.get(index, "")
        cells.append(value.ljust(width).encode("gbk"))
        assert len(cells[-1]) == width
    return b" ".join(cells)


ZM_LINES = [
    zm_line(
        "S22",
        "01",
        "0315120005",
        1230,
        "201803151200000001",
        "WK1",
        "D000000000007",
        "C000000001230",
        "C000000001223",
    ),
    zm_line(
        "S56",
        "04",
        "0315130000",
        200,
        "201803151300000002",
        "WK1R1",
        "C000000000001",
        "D000000000200",
        "D000000000199",
        orig_query_id="201803151200000001",
    ),
]


def zm_zip(lines, name="INN24031588ZM_777290058110048") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, b"\r\n".join(lines) + b"\r\n")
    return buffer.getvalue()


def test_unionpay_lines():
    assert len(ZM_LINES[0]) == 607
    bill = parse_unionpay(zm_zip(ZM_LINES))
    purchase, refund = bill.rows
    assert (purchase.out_trade_no, purchase.trade_no, purchase.kind, purchase.amount, purchase.fee) == (
        "WK1",
        "201803151200000001",
        "payment",
        Decimal("12.30"),
        Decimal("0.07"),
    )
    assert purchase.at == datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC)
    assert (
        refund.out_trade_no,
        refund.trade_no,
        refund.kind,
        refund.amount,
        refund.fee,
        refund.refund_no,
    ) == (None, "201803151200000001", "refund", Decimal("-2.00"), Decimal("-0.01"), "WK1R1")
    assert (bill.summary.payments, bill.summary.refunds, bill.summary.fees) == (1, 1, Decimal("0.06"))


def test_unionpay_december_lines_in_a_january_file_belong_to_the_year_before():
    line = zm_line(
        "S22", "01", "1231235959", 100, "1", "WK9", "D000000000000", "C000000000100", "C000000000100"
    )
    bill = parse_unionpay(zm_zip([line], name="INN25010188ZM_777290058110048"))
    assert bill.rows[0].at == datetime(2024, 12, 31, 15, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    "line, named",
    [
        (
            zm_line(
                "S22",
                "01",
                "0315120005",
                1230,
                "1",
                "WK1",
                "D000000000007",
                "C000000001230",
                "C000000001220",
            ),
            "清算净额 against 结算金额 minus 商户手续费: the file's total says 12.20, "
            "its rows add up to 12.23",
        ),
        (
            zm_line(
                "S22",
                "01",
                "0315120005",
                1231,
                "1",
                "WK1",
                "D000000000007",
                "C000000001230",
                "C000000001223",
            ),
            "结算金额 against 交易金额",
        ),
        (
            zm_line(
                "S22",
                "01",
                "0315120005",
                1230,
                "1",
                "WK1",
                "X000000000007",
                "C000000001230",
                "C000000001223",
            ),
            "商户手续费",
        ),
        (
            zm_line(
                "S22",
                "02",
                "0315120005",
                1230,
                "1",
                "WK1",
                "D000000000007",
                "C000000001230",
                "C000000001223",
            ),
            "交易类型",
        ),
        (b"S22 short line", "shorter"),
    ],
)
def test_unionpay_lines_that_do_not_add_up_name_the_line_and_numbers(line, named):
    with pytest.raises(BillError, match=named):
        parse_unionpay(zm_zip([ZM_LINES[0], line]))


def test_unionpay_zip_without_its_zm_file():
    with pytest.raises(BillError, match="INN...ZM_"):
        parse_unionpay(zm_zip(ZM_LINES, name="readme.txt"))


def test_a_row_shorter_than_its_header_is_named():
    short = ",".join(WECHAT_ROWS[0].split(",")[:20])
    with pytest.raises(BillError, match="WeChat bill line 2: 20 fields where the header has 27"):
        parse_wechat(wechat_gzip([short], ("1", "12.30", "0.00", "0.00", "0.07", "12.30", "0.00")))
    with pytest.raises(BillError, match=r"Alipay detail row 1 \(after the header\): 3 fields where"):
        parse_alipay(alipay_zip(["1,WK,交易"], ("1", "0", "1.00", "0", "0")))
