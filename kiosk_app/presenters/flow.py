"""Where the tenant is in the kiosk, and what moves them on: one small state machine that the
screens follow (each screen shows one state) and that tests drive without a window."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kiosk_app.presenters import amounts, codes
from kiosk_app.words import N_

HOME, IDENTIFY, ACCOUNT, RECHARGE = "home", "identify", "account", "recharge"
PAY_CODE, PAY_QR, PAYING, DONE, FAILED, OUT_OF_SERVICE = (
    "pay_code", "pay_qr", "paying", "done", "failed", "out_of_service")
SCREENS = (HOME, IDENTIFY, ACCOUNT, RECHARGE, PAY_CODE, PAY_QR, PAYING, DONE, FAILED, OUT_OF_SERVICE)

CREDITED = "credited"
FINAL_FAILURES = {"closed": N_("The payment was cancelled."), "expired": N_("The payment expired."),
                  "refunding": N_("The payment was refunded."), "refunded": N_("The payment was refunded.")}


class Refused(Exception):
    """What the tenant did cannot be done here (the msgid says why); the screen stays."""

    def __init__(self, msgid: str, **values) -> None:
        super().__init__(msgid)
        self.msgid, self.values = msgid, values


@dataclass
class KioskFlow:
    state: str = HOME
    intent: str = "balance"  # what the tenant came for: "balance" or "recharge"
    account: dict | None = None  # the API's view of the looked-up account
    amount: Decimal | None = None
    order: dict | None = None
    failure: str = ""  # msgid shown on the failed screen
    offline: bool = False  # the API could not be reached on the last try
    history: list[str] = field(default_factory=list)

    def _go(self, state: str) -> str:
        self.history.append(state)
        self.state = state
        return state

    # Home and identification
    def start(self, intent: str) -> str:
        if self.state != HOME or intent not in ("balance", "recharge"):
            raise Refused(N_("Not now."))
        self.intent = intent
        return self._go(IDENTIFY)

    def found(self, view: dict) -> str:
        """The lookup found an account: its balance, or straight to recharging."""
        self.account = view
        return self._go(ACCOUNT if self.intent == "balance" else RECHARGE)

    def to_recharge(self) -> str:
        if self.account is None:
            raise Refused(N_("Look the account up again."))
        return self._go(RECHARGE)

    # Paying
    def limits(self) -> amounts.Limits:
        return amounts.Limits.from_api(self.account)

    def choose_amount(self, amount: Decimal | None, method: str) -> str:
        """The tenant picked an amount and "payment code" or "QR"."""
        if self.state != RECHARGE or self.account is None:
            raise Refused(N_("Not now."))
        found = amounts.problem(amount, self.limits())
        if found:
            raise Refused(found[0], **found[1])
        self.amount = amount
        return self._go(PAY_CODE if method == "code" else PAY_QR)

    def scanned_code(self, code: str) -> str:
        """A scan on the payment-code screen: its channel, when it is a payment code."""
        if self.state != PAY_CODE:
            raise Refused(N_("Not now."))
        channel = codes.channel_of(code)
        if channel is None:
            raise Refused(N_("This is not an Alipay, WeChat Pay or UnionPay payment code."))
        return channel

    def order_started(self, order: dict) -> str:
        self.order = order
        return self._go(PAYING if order["flow"] == "payment_code" else PAY_QR)

    def order_update(self, order: dict) -> str:
        """News of the order being followed (same id): done, failed, or still waiting."""
        if self.order is None or order["id"] != self.order["id"]:
            return self.state
        self.order, self.offline = order, False
        if order["state"] == CREDITED:
            return self._go(DONE)
        if order["state"] in FINAL_FAILURES:
            self.failure = FINAL_FAILURES[order["state"]]
            return self._go(FAILED)
        return self.state

    def refused(self, msgid: str) -> str:
        """The back office refused to start the payment (a limit, a gateway refusal)."""
        self.failure = msgid
        return self._go(FAILED)

    @property
    def payment_pending(self) -> bool:
        """An order exists and is not final: the idle timer waits, the order stays on screen."""
        return self.order is not None and self.state in (PAY_QR, PAYING)

    # Outages and leaving
    def api_down(self) -> str:
        self.offline = True
        if self.payment_pending:
            return self.state  # the order id stays on screen and polling resumes
        return self._go(OUT_OF_SERVICE)

    def api_back(self) -> str:
        self.offline = False
        return self.home() if self.state == OUT_OF_SERVICE else self.state

    def home(self) -> str:
        """Back to the start with everything about the last tenant forgotten."""
        self.account, self.amount, self.order, self.failure = None, None, None, ""
        self.intent = "balance"
        return self._go(HOME)

    def idle_expired(self) -> str:
        if self.payment_pending:
            return self.state
        return self.home()
