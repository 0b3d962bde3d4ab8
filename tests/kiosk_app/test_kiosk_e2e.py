"""End to end in a real window under Xvfb: the kiosk App driven by touches and scanner bursts
(`ops/kiosk_drive.py`) against the back office, the worker and the sandbox gateway. One run
per screen size, each in both languages; screenshots of every screen go to artifacts/kiosk/.
The portrait kiosk prints to a network printer (`ops/kiosk_printer.py`, python-escpos over TCP)
whose roll runs out and comes back; the landscape one to python-escpos's Dummy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ops import kiosk_stack
from tests.kiosk_app.receipts import normalised

# Two runs of the App (one per screen size), each walking every screen in both languages with
# real payments: minutes on a busy machine, beyond the suite's default 300 s per test.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "kiosk"
GOLDEN = Path(__file__).parent / "golden"
SIZES = ("1280x800", "1080x1920")
PRINTERS = {"1280x800": "dummy", "1080x1920": "network"}
SCREENS = ("home", "identify", "account", "recharge", "pay_code", "paying", "done", "pay_qr", "failed",
           "out_of_service")


def drive(stack, size: str) -> dict:
    """One run of the kiosk in its own process (Kivy allows one App per process) and X server."""
    width, height = size.split("x")
    command = ["xvfb-run", "-a", "-s", f"-screen 0 {width}x{height}x24", sys.executable, "-m",
               "ops.kiosk_drive", "--api", stack.api_url, "--token", stack.token,
               "--sandbox", stack.sandbox_url, "--out", str(ARTIFACTS), "--size", size,
               "--languages", "zh,en", "--printer", PRINTERS[size]]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=900)
    results_file = ARTIFACTS / f"results-{size}.json"
    assert results_file.exists(), finished.stderr.decode(errors="replace")[-3000:]
    return json.loads(results_file.read_text())


@pytest.fixture(scope="module")
def runs(stack):
    assert shutil.which("xvfb-run"), "install Debian's xvfb (.ci/run does)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*"):
        old.unlink()
    return {size: drive(stack, size) for size in SIZES}


@pytest.mark.parametrize("size", SIZES)
def test_the_scenario_ran_to_its_end(runs, size):
    result = runs[size]
    assert result["ok"], result.get("traceback") or result.get("error")
    assert set(SCREENS) <= set(result["visited"])


def test_payments_by_code_and_by_qr_reach_the_accounts(runs, stack):
    paid = [e for run in runs.values() for e in run["events"] if "paid" in e]
    assert sorted({(e["language"], e["paid"]) for e in paid}) == [
        ("en", "code"), ("en", "qr"), ("zh", "code"), ("zh", "qr")]
    assert len(paid) == 8  # two languages, two sizes, code and QR each
    # Accounts 1 (zh) and 3 (en) got 20.00 per payment; account 2's codes were declined.
    assert kiosk_stack.balance(stack, stack.accounts[0]["id"]) == Decimal("80.00")
    assert kiosk_stack.balance(stack, stack.accounts[1]["id"]) == Decimal("0.00")
    assert kiosk_stack.balance(stack, stack.accounts[2]["id"]) == Decimal("80.00")
    # Account 4: the payment made while the printer had no paper (other tests pay into it too).
    no_paper = [e["no_paper"] for e in runs["1080x1920"]["events"] if "no_paper" in e][0]
    assert kiosk_stack.balance(stack, stack.accounts[3]["id"]) == Decimal(no_paper["before"]) + 20
    last_zh_qr = [e for e in runs["1080x1920"]["events"] if e.get("paid") == "qr" and e["language"] == "zh"]
    assert last_zh_qr[0]["after"] == "80.00"


def test_a_mistyped_code_is_refused_on_the_kiosk_and_a_declined_one_fails_clearly(runs):
    events = runs["1280x800"]["events"]
    assert {"bad_code_message": "这不是支付宝、微信支付或银联的付款码。", "screen": "pay_code"} in events
    assert {"language": "en", "failed": "The payment was cancelled."} in events


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_printed_receipt_matches_the_golden_file(runs, language):
    """The first payment of each language (20.00 into an empty account), as the printer got it."""
    printed = (ARTIFACTS / f"receipt-{language}-1280x800.bin").read_bytes()
    assert normalised(printed) == (GOLDEN / f"receipt-e2e-{language}.bin").read_bytes()


def test_a_reprint_is_marked_as_one(runs):
    assert [e for e in runs["1280x800"]["events"] if "reprinted" in e] == [{"reprinted": True}] * 2


def test_without_paper_a_recharge_goes_through_with_a_notice_and_the_paper_back_clears_it(runs):
    """The network printer answers python-escpos's paper-status query (DLE EOT 4) with "out"."""
    notice = {"zh": "打印机缺纸：本次不能打印收据。",
              "en": "The printer is out of paper: no receipt will print."}
    event = [e["no_paper"] for e in runs["1080x1920"]["events"] if "no_paper" in e][0]
    assert event["home_notice"] == notice
    assert event["recharge_notice"] == notice["en"]
    # Paid all the same; nothing went to the printer and the done screen says why.
    assert Decimal(event["after"]) == Decimal(event["before"]) + 20
    assert event["done_notice"] == notice["en"] and event["button_disabled"] is True
    assert event["sent_without_paper"] == 0
    # The roll back: the notices go, the receipt prints on request, as the first print of it.
    assert event["done_notice_after"] == "" and event["button_disabled_after"] is False
    assert event["button"] == "打印收据"
    assert event["receipt_has_order"] is True and event["receipt_is_reprint"] is False
    assert event["home_notice_after"] == ""


def test_the_network_printer_got_every_receipt_of_the_portrait_run(runs):
    receipts = [e for e in runs["1080x1920"]["events"] if e.get("network_receipts") is not None]
    assert receipts == [{"network_receipts": 7}]


def test_idle_returns_home_and_forgets_what_was_typed(runs):
    for run in runs.values():
        idle = [e for e in run["events"] if "idle" in e][0]
        assert idle == {"idle": "home", "typed_after": "", "account": {}}


def test_an_outage_shows_out_of_service_and_the_kiosk_comes_back(runs):
    for run in runs.values():
        assert {"api_down": "recovered"} in run["events"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_qr_on_screen_decodes_to_the_orders_qr(runs, stack, size, language):
    import zxingcpp
    from PIL import Image

    shown = {e["qr_widget"] for e in runs[size]["events"] if "qr_widget" in e}
    with Image.open(ARTIFACTS / f"{language}-{size}-pay_qr.png") as image:
        decoded = [found.text for found in zxingcpp.read_barcodes(image.convert("RGB"))]
    # The sandbox's wallet page for the order: what a payer's phone opens.
    assert len(decoded) == 1 and decoded[0] in shown and decoded[0].startswith(f"{stack.sandbox_url}/wallet/")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_screen_has_a_screenshot(runs, size, language):
    from PIL import Image

    no_paper = {"zh": ("home-no-paper", "done-no-paper", "done-paper-back"),
                "en": ("home-no-paper", "done-no-paper", "recharge-no-paper")}
    for screen in SCREENS + ("idle",) + (no_paper[language] if PRINTERS[size] == "network" else ()):
        path = ARTIFACTS / f"{language}-{size}-{screen}.png"
        with Image.open(path) as image:
            assert image.size == tuple(int(n) for n in size.split("x")), path
            colours = image.convert("L").getextrema()
        assert colours[0] < 100 < colours[1], f"{path} looks blank"
