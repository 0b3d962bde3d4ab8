"""Receipts on an ESC/POS printer (python-escpos), from the back office's receipt data.

The printer and its encoding come from the kiosk's settings: GB18030 by default, GBK or UTF-8
for printers that need them. python-escpos's own text path picks GB18030 for any Han character
whatever the printer, so lines are encoded here and sent raw. A receipt is printed only once the
sale is confirmed (the back office answers no receipt before); a reprint says so at the top.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

ENCODINGS = ("gb18030", "gbk", "utf-8")
CHINESE_MODE = b"\x1c\x26"  # FS &: double-byte characters on (GB printers)
WIDTH = 32  # characters of a 58 mm roll (a Han character takes two)


@dataclass(frozen=True)
class PrinterSettings:
    kind: str = "dummy"  # dummy, file, network, usb, serial, none
    target: str = ""  # file path, host[:port], vendor:product (hex), serial device
    encoding: str = "gb18030"


def open_printer(settings: PrinterSettings):
    """The configured printer, or None when the kiosk has none."""
    from escpos import printer

    kind = settings.kind
    if kind == "none":
        return None
    if kind == "dummy":
        return printer.Dummy()
    if kind == "file":
        return printer.File(settings.target)
    if kind == "network":
        host, _, port = settings.target.partition(":")
        return printer.Network(host, int(port or 9100), timeout=5)
    if kind == "usb":
        vendor, _, product = settings.target.partition(":")
        return printer.Usb(int(vendor, 16), int(product, 16))
    if kind == "serial":
        return printer.Serial(settings.target)
    raise ValueError(f"unknown printer kind {kind!r}")


def has_paper(device) -> bool:
    """False when the printer says its roll is out; printers that cannot tell count as having paper."""
    if device is None:
        return False
    if type(device).__name__ in ("Dummy", "File"):
        return True
    try:
        return device.paper_status() != 0
    except Exception:  # no status channel (many serial printers): assume paper, print and see
        log.debug("the printer gives no paper status")
        release(device)
        return True


def release(device) -> None:
    """Close the printer's connection after a failure; python-escpos opens it again on the next
    use (a network printer that was switched off and on, a USB printer plugged back). A file
    or Dummy printer stays open: opening a file printer again would empty its file."""
    if device is None or type(device).__name__ in ("Dummy", "File"):
        return
    try:
        device.close()
    except Exception:  # already gone: nothing to close
        log.info("the printer's connection was already closed")
    device.device = False  # python-escpos's mark for "not open yet": the next use opens it


def _width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _pair(left: str, right: str) -> str:
    gap = max(WIDTH - _width(left) - _width(right), 1)
    return f"{left}{' ' * gap}{right}"


def receipt_lines(data: dict) -> list[tuple[str, str]]:
    """(style, text) lines of a receipt; the labels are bilingual, as the counter's are."""
    lines = [("title", data["site_name"]), ("title", data["title"])]
    if data.get("reprint"):
        lines.append(("title", f"** 补打 REPRINT {data['reprint_count']} **"))
    lines += [
        ("text", "-" * WIDTH),
        ("text", _pair("收据号 Receipt", f"No. {data['receipt_number']}")),
        ("text", _pair("时间 Time", data["local_time"])),
        ("text", _pair("户号 Account", data["account_number"])),
        ("text", _pair("户名 Name", data["name"])),
    ]
    lines += [("text", _pair("电表 Meter", serial)) for serial in data["meters"]]
    lines += [
        ("text", _pair("支付方式 Paid by", data["channel_label"])),
        ("text", _pair("付款码 Code", data["payer_hint"])) if data.get("payer_hint") else None,
        ("text", _pair("订单 Order", data["out_trade_no"])),
        ("text", "-" * WIDTH),
        ("big", _pair("金额 Amount", data["amount"])),
        ("text", _pair("余额 Balance", data["balance_after"])),
        ("text", _pair("终端 Kiosk", data["device"])),
    ]
    return [line for line in lines if line is not None]


def print_receipt(device, data: dict, *, encoding: str = "gb18030") -> None:
    """Send one receipt to the printer (a QR linking to it at the bottom), then cut."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported printer encoding {encoding!r}")
    device.hw("INIT")
    if encoding != "utf-8":
        device._raw(CHINESE_MODE)
    for style, text in receipt_lines(data):
        if style == "title":
            device.set(align="center", bold=True, double_height=False)
        elif style == "big":
            device.set(align="left", bold=True, double_height=True)
        else:
            device.set(align="left", bold=False, double_height=False)
        device._raw(text.encode(encoding) + b"\n")
    device.set(align="center", bold=False, double_height=False)
    device.qr(data["link"], size=4, native=True, center=False)
    device._raw("谢谢 Thank you\n".encode(encoding))
    device.cut()
