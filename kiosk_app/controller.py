"""The glue between the screens, the flow, the back office and the printer: screens call these
methods; I/O runs in the background and its results come back on the UI thread."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, DictProperty, NumericProperty, StringProperty

from kiosk_app import printing
from kiosk_app.background import Background
from kiosk_app.client import ApiDown, ApiRefused, KioskClient
from kiosk_app.i18n import tr
from kiosk_app.presenters import codes, flow
from kiosk_app.presenters.flow import KioskFlow, Refused
from kiosk_app.presenters.idle import IdlePhase, IdleTimer

log = logging.getLogger(__name__)


class Controller(EventDispatcher):
    """Observable state the .kv files bind to, and the actions their buttons call."""

    screen = StringProperty(flow.HOME)
    device = DictProperty()
    account = DictProperty()
    order = DictProperty()
    amount = StringProperty("")
    message = StringProperty("")  # the last refusal or error, translated
    offline = BooleanProperty(False)
    retry_in = NumericProperty(0)
    qr_left = NumericProperty(0)  # seconds until the QR's order expires
    idle_left = NumericProperty(0)  # the "still there?" countdown; 0: not shown
    receipt_state = StringProperty("")  # printing, printed, no_paper, ready (paper back), failed
    receipt_printed = BooleanProperty(False)  # this order's receipt came out once: a print is a reprint
    paper = BooleanProperty(True)
    busy = BooleanProperty(False)
    language = StringProperty("zh")

    def __init__(self, client: KioskClient, printer_settings: printing.PrinterSettings, *,
                 idle_s: float = 60, countdown_s: float = 10, poll_s: float = 1.0,
                 retry_s: float = 15, paper_check_s: float = 30, **kwargs) -> None:
        super().__init__(**kwargs)
        self.client, self.printer_settings = client, printer_settings
        self.flow = KioskFlow()
        self.idle = IdleTimer(idle_s, countdown_s, time.monotonic())
        self.idle.enabled = False
        self.poll_s, self.retry_s = poll_s, retry_s
        self.background = Background()
        # One thread for the printer, so a paper-status query never lands inside a receipt.
        self.printer_io = Background(workers=1)
        self.printer = None
        self.paper_check_s = paper_check_s
        self._paper_checking = False
        self._paper_checked_at = float("-inf")
        self.last_receipt: bytes = b""  # the Dummy printer's bytes of the last receipt (tests, demo)
        self._events = []

    # Start and stop
    def start(self) -> None:
        self.printer = printing.open_printer(self.printer_settings)
        self._events = [Clock.schedule_interval(self._tick, 0.25)]
        self.check_paper()
        self.refresh_device()

    def stop(self) -> None:
        for event in self._events:
            event.cancel()
        self.background.shutdown()
        self.printer_io.shutdown()
        self.client.close()
        if self.printer is not None and hasattr(self.printer, "close"):
            self.printer.close()

    def _show(self, state: str) -> None:
        self.screen = state
        self.idle.enabled = state not in (flow.HOME, flow.OUT_OF_SERVICE)
        self.idle.touch(time.monotonic())
        self.idle.suspend(self.flow.payment_pending, time.monotonic())

    def _run(self, call, done, refused=None) -> None:
        self.busy = True

        def ok(result):
            self.busy = False
            done(result)

        def failed(error):
            self.busy = False
            if isinstance(error, ApiDown):
                self._api_down()
            elif isinstance(error, ApiRefused) and refused is not None:
                refused(error)
            else:
                log.error("kiosk call failed: %s", type(error).__name__)
                self.message = str(error)

        self.background.run(call, ok, failed)

    # The device and outages
    def refresh_device(self) -> None:
        self._run(self.client.device, self._device_known)

    def _device_known(self, device: dict) -> None:
        self.device = device
        self.offline = False
        self._show(self.flow.api_back())

    def _api_down(self) -> None:
        self.offline = True
        self._show(self.flow.api_down())
        if self.screen == flow.OUT_OF_SERVICE and not self.retry_in:
            self.retry_in = self.retry_s

    # Language and touches
    def set_language(self, language: str) -> None:
        tr.switch(language)
        self.client.language = self.language = language

    def touched(self) -> None:
        self.idle.touch(time.monotonic())
        if self.idle_left:
            self.idle_left = 0

    # Home and lookup
    def begin(self, intent: str) -> None:
        self.message = ""
        self._show(self.flow.start(intent))

    def look_up(self, number: str, phone_last4: str = "") -> None:
        if not number:
            self.message = tr._("Enter an account number or a meter number.")
            return
        self.message = ""
        self._run(lambda: self.client.look_up(number, phone_last4 or None), self._found, self._refused)

    def _found(self, view: dict) -> None:
        self.account = view
        self._show(self.flow.found(view))

    def _refused(self, error: ApiRefused) -> None:
        self.message = error.message

    def to_recharge(self) -> None:
        self._show(self.flow.to_recharge())

    # Paying
    def choose(self, amount: Decimal | None, method: str, channel: str = "") -> None:
        try:
            state = self.flow.choose_amount(amount, method)
        except Refused as refused:
            self.message = tr._(refused.msgid, **refused.values)
            return
        self.message, self.amount = "", f"{amount:.2f}"
        self._show(state)
        if method == "qr":
            key = uuid.uuid4().hex
            self._run(lambda: self.client.start_qr(self.account["ticket"], self.amount, channel, key),
                      self._order_started, self._start_refused)

    def scanned(self, code: str) -> None:
        """A scanner burst: a payment code on the payment-code screen, else an account number."""
        if self.screen == flow.IDENTIFY:
            self.look_up(code)
            return
        if self.screen != flow.PAY_CODE or self.busy:
            return
        try:
            self.flow.scanned_code(code)
        except Refused as refused:
            self.message = tr._(refused.msgid)
            log.info("not a payment code: %s", codes.mask(code))
            return
        self.message = ""
        key = uuid.uuid4().hex
        log.info("payment code %s handed to the back office", codes.mask(code))
        self._run(lambda: self.client.pay_code(self.account["ticket"], self.amount, code, key),
                  self._order_started, self._start_refused)

    def _order_started(self, order: dict) -> None:
        self.order = order
        self._show(self.flow.order_started(order))
        self._poll_later()

    def _start_refused(self, error: ApiRefused) -> None:
        self.message = error.message
        self._show(self.flow.refused(error.message))

    def _poll_later(self) -> None:
        Clock.schedule_once(lambda _dt: self._poll(), self.poll_s)

    def _poll(self) -> None:
        if not self.flow.payment_pending:
            return
        order_id = self.flow.order["id"]

        def got(order):
            self.offline = False
            self.order = order
            state = self.flow.order_update(order)
            if state == flow.DONE:
                self.account = {**self.account, "balance": order["balance_after"]}
                self._show(state)
                self.print_receipt(reprint=False)
            elif state == flow.FAILED:
                self.message = tr._(self.flow.failure)
                self._show(state)
            else:
                self._poll_later()

        def lost(error):
            # An outage while paying: the order stays on screen and polling resumes.
            self.offline = True
            self.flow.api_down()
            self._poll_later()

        self.background.run(lambda: self.client.order(order_id), got, lost)

    # Receipts
    def check_paper(self) -> None:
        """Ask the printer for paper (a network or USB round trip, so off the UI thread): the
        notice that no receipt will print comes and goes with the roll."""
        if self._paper_checking:
            return
        self._paper_checking = True
        self._paper_checked_at = time.monotonic()

        def checked(has_paper):
            self._paper_checking = False
            self.paper = has_paper
            if has_paper and self.receipt_state == "no_paper":
                self.receipt_state = "ready"  # the tenant still at the done screen may print now

        def failed(error):
            self._paper_checking = False
            log.error("paper status not read: %s", type(error).__name__)

        self.printer_io.run(lambda: printing.has_paper(self.printer), checked, failed)

    def print_receipt(self, reprint: bool) -> None:
        """This order's receipt, once the sale is confirmed; a reprint says so. With no paper,
        nothing is sent and the done screen says no receipt will print."""
        order_id = self.flow.order["id"]
        self.receipt_state = "printing"
        fetch = self.client.reprint if reprint else self.client.receipt

        def work():
            if not printing.has_paper(self.printer):
                return None
            data = fetch(order_id)
            try:
                printing.print_receipt(self.printer, data, encoding=self.printer_settings.encoding)
            except Exception:
                printing.release(self.printer)
                raise
            if hasattr(self.printer, "output"):
                out = self.printer.output
                self.printer.clear()
                return out
            return b""

        def still_here() -> bool:
            # The tenant may have left (Finish, idle) while the printer worked: their receipt's
            # news must not land on the next tenant's done screen.
            return bool(self.flow.order) and self.flow.order["id"] == order_id

        def printed(out):
            if not still_here():
                return
            if out is None:
                self.paper = False
                self.receipt_state = "no_paper"
                return
            self.last_receipt = out
            self.receipt_printed = True
            self.receipt_state = "printed"

        def failed(error):
            log.error("receipt not printed: %s", type(error).__name__)
            if still_here():
                self.receipt_state = "failed"

        self.printer_io.run(work, printed, failed)

    def go_home(self) -> None:
        self.account, self.order, self.amount, self.message = {}, {}, "", ""
        self.receipt_state = ""
        self.receipt_printed = False
        self._show(self.flow.home())

    # The clock: idle, QR countdown, retry countdown
    def _tick(self, _dt) -> None:
        now = time.monotonic()
        phase = self.idle.phase(now)
        if phase == IdlePhase.WARNING:
            self.idle_left = self.idle.seconds_left(now)
        elif phase == IdlePhase.EXPIRED:
            self.idle_left = 0
            self.go_home()
        elif self.idle_left:
            self.idle_left = 0
        if self.screen == flow.PAY_QR and self.order.get("expires_at"):
            expires = datetime.fromisoformat(self.order["expires_at"])
            self.qr_left = max(int((expires - datetime.now(UTC)).total_seconds()), 0)
        if now - self._paper_checked_at >= self.paper_check_s:
            self.check_paper()
        if self.screen == flow.OUT_OF_SERVICE and self.retry_in > 0:
            self.retry_in = max(self.retry_in - 0.25, 0)
            if self.retry_in == 0:
                self.refresh_device()
