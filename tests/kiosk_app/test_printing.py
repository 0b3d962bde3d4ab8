"""Receipts through python-escpos: the Dummy printer's bytes against a golden file, the
encodings per printer, the reprint mark, and printers that cannot be opened or have no paper."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk_app import printing
from tests.kiosk_app.receipts import normalised

GOLDEN = Path(__file__).parent / "golden"
RECEIPT = {
    "title": "售电收据 Recharge receipt", "site_name": "示范小区 Kiosk Court", "device": "大堂一号 Lobby 1",
    "receipt_number": 17, "local_time": "2026-11-29 14:05:00", "account_number": "KSK-000001",
    "name": "李*生 T***** 1", "meters": ["WK0000000001"], "amount": "20.00", "balance_after": "70.00",
    "channel": "wechat", "channel_label": "微信支付 WeChat Pay", "out_trade_no": "WK261129140500ABCDEF1234",
    "payer_hint": "13************5555", "reprint": False, "reprint_count": 0,
    "link": "http://127.0.0.1:8000/api/v1/sales/3/receipt"}


def printed(data: dict, encoding: str = "gb18030") -> bytes:
    device = printing.open_printer(printing.PrinterSettings("dummy"))
    printing.print_receipt(device, data, encoding=encoding)
    return device.output


def test_a_receipt_prints_as_the_golden_file_in_gb18030():
    assert printed(RECEIPT) == (GOLDEN / "receipt-gb18030.bin").read_bytes()


def test_the_golden_file_reads_as_the_receipt():
    text = (GOLDEN / "receipt-gb18030.bin").read_bytes().decode("gb18030", errors="replace")
    for expected in ("示范小区 Kiosk Court", "售电收据 Recharge receipt", "No. 17", "KSK-000001",
                     "微信支付 WeChat Pay", "金额 Amount", "20.00", "余额 Balance", "70.00",
                     "大堂一号 Lobby 1"):
        assert expected in text
    assert "REPRINT" not in text


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_each_printer_gets_its_own_encoding(encoding):
    out = printed(RECEIPT, encoding)
    assert "示范小区".encode(encoding) in out and ("utf" in encoding) == (printing.CHINESE_MODE not in out)


def test_a_reprint_says_so_at_the_top():
    out = printed({**RECEIPT, "reprint": True, "reprint_count": 2}).decode("gb18030", errors="replace")
    assert "** 补打 REPRINT 2 **" in out and out.index("REPRINT") < out.index("收据号")


def test_an_unknown_encoding_or_printer_is_refused():
    with pytest.raises(ValueError):
        printed(RECEIPT, "big5")
    with pytest.raises(ValueError):
        printing.open_printer(printing.PrinterSettings("laser"))


def test_a_file_printer_writes_where_it_is_told(tmp_path):
    target = tmp_path / "receipts.bin"
    device = printing.open_printer(printing.PrinterSettings("file", str(target)))
    printing.print_receipt(device, RECEIPT)
    device.close()
    assert normalised(target.read_bytes()) == normalised((GOLDEN / "receipt-gb18030.bin").read_bytes())


def test_no_printer_has_no_paper_and_a_dummy_always_has():
    assert not printing.has_paper(None)
    assert printing.has_paper(printing.open_printer(printing.PrinterSettings("dummy")))


def test_a_network_printer_says_when_its_roll_is_out_and_when_it_is_back():
    """python-escpos's Network printer over TCP, asking a printer that answers DLE EOT 4 as an
    Epson-compatible one does (ops/kiosk_printer.py)."""
    from ops.kiosk_printer import NetworkPrinter

    server = NetworkPrinter()
    device = printing.open_printer(printing.PrinterSettings("network", server.start()))
    try:
        assert printing.has_paper(device)
        server.paper = False
        assert not printing.has_paper(device)
        server.paper = True
        assert printing.has_paper(device)
        assert server.paper_queries == 3
        printing.print_receipt(device, RECEIPT)
        device.close()
        deadline = time.monotonic() + 5
        while not server.printed.endswith(b"\x1dV\x00") and time.monotonic() < deadline:
            time.sleep(0.05)
        # The status queries are not part of what is printed: the receipt is byte for byte Dummy's.
        assert bytes(server.printed) == (GOLDEN / "receipt-gb18030.bin").read_bytes()
    finally:
        server.stop()


# python-escpos 3.1's Network.open drops the socket of a refused connection unclosed (CPython
# closes it as it goes, with a ResourceWarning): its doing, not the kiosk's.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_printer_that_cannot_be_reached_counts_as_having_paper_and_is_reached_again():
    """Printing is tried (and fails visibly) rather than a notice that may be wrong; the broken
    connection is dropped so that the printer, once back, is asked again."""
    from ops.kiosk_printer import NetworkPrinter

    first = NetworkPrinter()
    target = first.start()
    first.stop()  # switched off
    device = printing.open_printer(printing.PrinterSettings("network", target))
    assert printing.has_paper(device)
    back = NetworkPrinter()
    back.paper = False
    back.start(int(target.rpartition(":")[2]))  # switched on again, its roll out
    try:
        assert not printing.has_paper(device)
        assert back.paper_queries == 1
    finally:
        device.close()
        back.stop()
