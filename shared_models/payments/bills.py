"""The gateways' daily bill files read into rows, each checked against the file's own totals."""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from shared_models.errors import InvalidValue
from shared_models.money import CENT, money

# The three gateways write their bills in Beijing time.
SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")


class BillError(ValueError):
    """A bill file is unreadable, or its rows do not add up to its own totals."""


@dataclass(frozen=True)
class BillRow:
    out_trade_no: str | None  # None on UnionPay cancel/return lines, which name the purchase by trade_no
    trade_no: str | None
    kind: Literal["payment", "refund"]
    amount: Decimal  # yuan; refunds negative
    fee: Decimal  # what the gateway charged for this row; negative when it gave a fee back
    at: datetime  # aware, UTC
    refund_no: str | None


@dataclass(frozen=True)
class BillSummary:
    payments: int
    refunds: int
    paid: Decimal  # sum of payment amounts
    refunded: Decimal  # sum of refund amounts (negative)
    fees: Decimal

    @classmethod
    def of(cls, rows: Iterable[BillRow]) -> BillSummary:
        rows = list(rows)
        payments = [row for row in rows if row.kind == "payment"]
        refunds = [row for row in rows if row.kind == "refund"]
        return cls(
            len(payments),
            len(refunds),
            sum((r.amount for r in payments), ZERO),
            sum((r.amount for r in refunds), ZERO),
            sum((r.fee for r in rows), ZERO),
        )


@dataclass(frozen=True)
class Bill:
    channel: str
    rows: list[BillRow]
    summary: BillSummary


def _yuan(text: str, where: str) -> Decimal:
    try:
        return money(text.strip() or "0")
    except InvalidValue as exc:
        raise BillError(f"{where}: {exc}") from exc


def _local_time(text: str, where: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI).astimezone(UTC)
    except ValueError as exc:
        raise BillError(f"{where}: {text!r} is not YYYY-MM-DD HH:MM:SS") from exc


def _must_equal(what: str, stated: Decimal | int, rows: Decimal | int) -> None:
    if stated != rows:
        raise BillError(f"{what}: the file's total says {stated}, its rows add up to {rows}")


def _zip_members(content: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = {}
            for info in archive.infolist():
                name = info.filename
                if not info.flag_bits & 0x800:  # no UTF-8 flag: Chinese tools write GBK names
                    try:
                        name = name.encode("cp437").decode("gbk")
                    except (UnicodeEncodeError, UnicodeDecodeError):
                        pass
                members[name.rsplit("/", 1)[-1]] = archive.read(info)
            return members
    except (zipfile.BadZipFile, OSError) as exc:
        raise BillError(f"not a zip file: {exc}") from exc


def _table(text: str, *, cell: Callable[[str], str]) -> list[list[str]]:
    return [[cell(value) for value in row] for row in csv.reader(io.StringIO(text)) if row]


# -- Alipay --------------------------------------------------------------------------------------


def _alipay_csv(data: bytes) -> list[list[str]]:
    # Lines starting with # are the preamble and footer; cells may end with a tab.
    text = data.decode("gb18030")
    body = "\n".join(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return _table(body, cell=lambda value: value.strip().strip("\t"))


def _whole(cells: list[str], header: list[str], where: str) -> None:
    if len(cells) < len(header):
        raise BillError(f"{where}: {len(cells)} fields where the header has {len(header)}")


def _columns(header: list[str], wanted: Iterable[str], where: str) -> dict[str, int]:
    missing = [name for name in wanted if name not in header]
    if missing:
        raise BillError(f"{where}: no column {', '.join(missing)}")
    return {name: header.index(name) for name in wanted}


def parse_alipay(content: bytes) -> Bill:
    """Alipay's trade bill: a zip of GBK CSVs, the detail file and its (汇总) summary."""
    members = _zip_members(content)
    detail = next((data for name, data in members.items() if name.endswith("_业务明细.csv")), None)
    summary = next((data for name, data in members.items() if name.endswith("_业务明细(汇总).csv")), None)
    if detail is None or summary is None:
        raise BillError(f"Alipay bill without its detail and summary files: {sorted(members)}")
    table = _alipay_csv(detail)
    if not table:
        raise BillError("Alipay detail file has no header")
    col = _columns(
        table[0],
        (
            "支付宝交易号",
            "商户订单号",
            "业务类型",
            "创建时间",
            "完成时间",
            "订单金额（元）",
            "退款批次号/请求号",
            "服务费（元）",
        ),
        "Alipay detail file",
    )
    rows, stated_fees = [], ZERO
    for number, cells in enumerate(table[1:], start=1):
        where = f"Alipay detail row {number} (after the header)"
        _whole(cells, table[0], where)
        kind = {"交易": "payment", "退款": "refund"}.get(cells[col["业务类型"]])
        if kind is None:
            raise BillError(f"{where}: 业务类型 {cells[col['业务类型']]!r} is neither 交易 nor 退款")
        fee = _yuan(cells[col["服务费（元）"]], where)
        stated_fees += fee
        moment = cells[col["完成时间"]] or cells[col["创建时间"]]
        rows.append(
            BillRow(
                out_trade_no=cells[col["商户订单号"]] or None,
                trade_no=cells[col["支付宝交易号"]] or None,
                kind=kind,
                amount=_yuan(cells[col["订单金额（元）"]], where),
                fee=-fee,  # Alipay prints a charge negative
                at=_local_time(moment, where),
                refund_no=(cells[col["退款批次号/请求号"]] or None) if kind == "refund" else None,
            )
        )
    computed = BillSummary.of(rows)
    totals = _alipay_totals(summary)
    _must_equal("Alipay 交易订单总笔数", int(totals["交易订单总笔数"]), computed.payments)
    _must_equal("Alipay 退款订单总笔数", int(totals["退款订单总笔数"]), computed.refunds)
    _must_equal("Alipay 已收入款（元）", _yuan(totals["已收入款（元）"], "summary"), computed.paid)
    # The refund total is printed negative; its sign is not what this check is about.
    _must_equal("Alipay 已退款（元）", abs(_yuan(totals["已退款（元）"], "summary")), abs(computed.refunded))
    _must_equal("Alipay 服务费（元）", _yuan(totals["服务费（元）"], "summary"), stated_fees)
    return Bill("alipay", rows, computed)


def _alipay_totals(summary: bytes) -> dict[str, str]:
    table = _alipay_csv(summary)
    wanted = (
        "门店编号",
        "交易订单总笔数",
        "退款订单总笔数",
        "已收入款（元）",
        "已退款（元）",
        "服务费（元）",
    )
    if not table:
        raise BillError("Alipay summary file has no header")
    col = _columns(table[0], wanted, "Alipay summary file")
    total = next((cells for cells in table[1:] if cells[col["门店编号"]] == "合计"), None)
    if total is None:
        raise BillError("Alipay summary file has no 合计 row")
    if not total[col["交易订单总笔数"]].isdigit() or not total[col["退款订单总笔数"]].isdigit():
        raise BillError("Alipay summary: the counts are not whole numbers")
    return {name: total[col[name]] for name in wanted}


# -- WeChat Pay ----------------------------------------------------------------------------------

WECHAT_SUMMARY = (
    "总交易单数",
    "应结订单总金额",
    "退款总金额",
    "充值券退款总金额",
    "手续费总金额",
    "订单总金额",
    "申请退款总金额",
)


def parse_wechat(content: bytes) -> Bill:
    """WeChat's ALL trade bill (gzip or plain UTF-8): header, rows, summary header, summary row."""
    if content[:2] == b"\x1f\x8b":
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as exc:
            raise BillError(f"WeChat bill: broken gzip: {exc}") from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BillError("WeChat bill is not UTF-8") from exc
    # Every value is written with a leading backtick so spreadsheets keep long numbers as text.
    table = _table(text, cell=lambda value: value.strip().removeprefix("`").strip())
    split = next((i for i, cells in enumerate(table) if cells and cells[0] == "总交易单数"), None)
    if not table or split is None or split + 1 >= len(table):
        raise BillError("WeChat bill without its summary header and row")
    col = _columns(
        table[0],
        (
            "交易时间",
            "微信订单号",
            "商户订单号",
            "交易状态",
            "应结订单金额",
            "商户退款单号",
            "退款金额",
            "充值券退款金额",
            "手续费",
            "订单金额",
            "申请退款金额",
        ),
        "WeChat bill",
    )
    sums = dict.fromkeys(
        ("应结订单金额", "退款金额", "充值券退款金额", "手续费", "订单金额", "申请退款金额"), ZERO
    )
    paid_side = dict.fromkeys(("应结订单金额", "订单金额"), ZERO)
    rows = []
    for number, cells in enumerate(table[1:split], start=2):
        where = f"WeChat bill line {number}"
        _whole(cells, table[0], where)
        values = {name: _yuan(cells[col[name]], f"{where} {name}") for name in sums}
        for name, value in values.items():
            sums[name] += value
        state = cells[col["交易状态"]]
        if state == "SUCCESS":
            kind, amount, refund_no = "payment", values["应结订单金额"], None
            for name in paid_side:
                paid_side[name] += values[name]
        elif state == "REFUND":
            kind, amount, refund_no = ("refund", -values["退款金额"], cells[col["商户退款单号"]] or None)
        else:
            raise BillError(f"{where}: 交易状态 {state!r} is neither SUCCESS nor REFUND")
        rows.append(
            BillRow(
                out_trade_no=cells[col["商户订单号"]] or None,
                trade_no=cells[col["微信订单号"]] or None,
                kind=kind,
                amount=amount,
                fee=values["手续费"],
                at=_local_time(cells[col["交易时间"]], where),
                refund_no=refund_no,
            )
        )
    totals = dict(zip(table[split], table[split + 1], strict=False))
    missing = [name for name in WECHAT_SUMMARY if name not in totals]
    if missing:
        raise BillError(f"WeChat bill summary: no {', '.join(missing)}")
    computed = BillSummary.of(rows)
    count = totals["总交易单数"]
    if not count.isdigit():
        raise BillError(f"WeChat bill summary: 总交易单数 {count!r} is not a count")
    # Refund rows either repeat the order's amounts or carry 0.00 there; the summary's count and
    # order totals then cover all rows or the payments alone. Both readings are checked exactly.
    if int(count) not in (len(rows), computed.payments):
        _must_equal("WeChat 总交易单数", int(count), len(rows))
    for total_name, column in (("应结订单总金额", "应结订单金额"), ("订单总金额", "订单金额")):
        stated = _yuan(totals[total_name], "WeChat summary")
        if stated not in (sums[column], paid_side[column]):
            _must_equal(f"WeChat {total_name}", stated, sums[column])
    for total_name, column in (
        ("退款总金额", "退款金额"),
        ("充值券退款总金额", "充值券退款金额"),
        ("手续费总金额", "手续费"),
        ("申请退款总金额", "申请退款金额"),
    ):
        _must_equal(f"WeChat {total_name}", _yuan(totals[total_name], "WeChat summary"), sums[column])
    return Bill("wechat", rows, computed)


# -- UnionPay ------------------------------------------------------------------------------------

# The ZM file's fields this parser reads: name -> (byte offset, width); docs/payments.md has all 41.
ZM_FIELDS = {
    "交易代码": (0, 3),
    "交易传输时间": (35, 10),
    "交易金额": (66, 12),
    "查询流水号": (87, 21),
    "商户订单号": (112, 32),
    "商户手续费": (166, 13),
    "结算金额": (180, 13),
    "交易类型": (215, 2),
    "原交易查询流水号": (271, 21),
    "商户代码": (293, 15),
    "清算净额": (374, 13),
}
ZM_MIN_LENGTH = 387
ZM_NAME = re.compile(r"INN(\d{6})\d{2}ZM_\S+")


def _signed_fen(text: str, where: str, *, credit: str) -> Decimal:
    """`C`/`D` and 12 digits of fen; `credit` is the letter that counts as positive."""
    if len(text) != 13 or text[0] not in "CD" or not text[1:].isdigit():
        raise BillError(f"{where}: {text!r} is not C or D and 12 digits")
    amount = (Decimal(int(text[1:])) * CENT).quantize(CENT)
    return amount if text[0] == credit else -amount


def parse_unionpay(content: bytes) -> Bill:
    """UnionPay's ZM file (in the zip fileTransRequest returns): one fixed-width line per transaction."""
    members = _zip_members(content)
    found = [(name, data) for name, data in members.items() if ZM_NAME.fullmatch(name)]
    if len(found) != 1:
        raise BillError(f"UnionPay bill zip should hold one INN...ZM_ file: {sorted(members)}")
    name, data = found[0]
    settled = datetime.strptime(ZM_NAME.fullmatch(name).group(1), "%y%m%d").date()
    rows = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"UnionPay {name} line {number}"
        if len(line) < ZM_MIN_LENGTH:
            raise BillError(f"{where}: {len(line)} bytes, shorter than the {ZM_MIN_LENGTH} the fields need")
        try:
            f = {key: line[at : at + width].decode("gbk").strip() for key, (at, width) in ZM_FIELDS.items()}
        except UnicodeDecodeError as exc:
            raise BillError(f"{where}: not GBK text") from exc
        if not f["交易金额"].isdigit():
            raise BillError(f"{where}: 交易金额 {f['交易金额']!r} is not digits")
        settle = _signed_fen(f["结算金额"], f"{where} 结算金额", credit="C")
        fee = _signed_fen(f["商户手续费"], f"{where} 商户手续费", credit="D")
        net = _signed_fen(f["清算净额"], f"{where} 清算净额", credit="C")
        _must_equal(f"{where} 结算金额 against 交易金额", abs(settle), (Decimal(int(f["交易金额"])) * CENT))
        _must_equal(f"{where} 清算净额 against 结算金额 minus 商户手续费", net, settle - fee)
        if f["交易类型"] == "01":
            row = BillRow(
                f["商户订单号"] or None,
                f["查询流水号"] or None,
                "payment",
                settle,
                fee,
                _zm_time(f["交易传输时间"], settled, where),
                None,
            )
        elif f["交易类型"] in ("31", "04"):
            row = BillRow(
                None,
                f["原交易查询流水号"] or None,
                "refund",
                settle,
                fee,
                _zm_time(f["交易传输时间"], settled, where),
                f["商户订单号"] or None,
            )
        else:
            raise BillError(f"{where}: 交易类型 {f['交易类型']!r} is not 01, 31 or 04")
        if (row.kind == "payment") != (settle > 0):
            raise BillError(f"{where}: a {row.kind} with 结算金额 {f['结算金额']}")
        rows.append(row)
    # The ZM file states no totals of its own: each line was checked against itself above.
    return Bill("unionpay", rows, BillSummary.of(rows))


def _zm_time(text: str, settled: date, where: str) -> datetime:
    if len(text) != 10 or not text.isdigit():
        raise BillError(f"{where}: 交易传输时间 {text!r} is not MMDDhhmmss")
    # A transaction of late December settles in a January file.
    year = settled.year - 1 if text[:2] > f"{settled.month:02d}" else settled.year
    try:
        local = datetime.strptime(f"{year}{text}", "%Y%m%d%H%M%S").replace(tzinfo=SHANGHAI)
    except ValueError as exc:
        raise BillError(f"{where}: 交易传输时间 {text!r} is not a date") from exc
    return local.astimezone(UTC)


PARSERS = {"alipay": parse_alipay, "wechat": parse_wechat, "unionpay": parse_unionpay}


def parse(channel: str, content: bytes) -> Bill:
    """The bill of a channel, as its gateway adapter's `bill(day)` returned it."""
    if channel not in PARSERS:
        raise ValueError(f"no bill parser for {channel!r}")
    return PARSERS[channel](content)
