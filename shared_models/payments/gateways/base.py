"""What every gateway adapter returns and raises: charges, notifications, refunds, errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol

CHANNELS = ("alipay", "wechat", "unionpay")


class ChargeState(StrEnum):
    """Where a charge stands at the gateway, the same words for every gateway."""

    PENDING = "pending"  # created, not paid
    USERPAYING = "userpaying"  # the payer is typing a password (payment code)
    PAID = "paid"
    CLOSED = "closed"  # closed, cancelled or revoked unpaid
    REFUNDED = "refunded"  # paid, then refunded wholly or in part
    FAILED = "failed"  # declined or PAYERROR
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Charge:
    """A charge as the gateway reported it in a signed answer."""

    state: ChargeState
    trade_no: str | None
    amount: Decimal | None  # yuan
    paid_at: datetime | None  # aware, UTC
    raw: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Notification:
    """The verified facts of a notify; the caller still checks them against its own order."""

    channel: str
    kind: Literal["payment", "refund"]
    out_trade_no: str
    trade_no: str | None
    amount: Decimal  # yuan: the order's amount, or the refund's for kind="refund"
    state: ChargeState
    app_id: str  # "" when the gateway's message does not carry one
    merchant_id: str
    paid_at: datetime | None
    notify_id: str
    refund_no: str | None
    raw: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Checkout:
    """What the payer needs to pay: a QR code's text, a page to open, or a JSAPI payload."""

    qr_code: str | None = None
    url: str | None = None
    jsapi: dict | None = None


@dataclass(frozen=True)
class RefundResult:
    state: Literal["succeeded", "processing", "failed"]
    refund_id: str | None
    amount: Decimal
    raw: dict = field(default_factory=dict, repr=False)


class GatewayError(Exception):
    """Base of what the adapters raise."""


class BadNotify(GatewayError):
    """A notify failed verification (forged, unsigned, stale, probe, undecryptable, malformed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GatewayUnavailable(GatewayError):
    """Transport error, timeout, 5xx, busy or a badly signed answer: the outcome is unknown."""


class GatewayRefused(GatewayError):
    """The gateway answered, signed, with a definite business refusal."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class Gateway(Protocol):
    """The calls the payment services make; one class per gateway implements them."""

    channel: str
    app_id: str
    merchant_id: str
    poll_interval_s: int
    poll_limit_s: int

    def checkout(self, *, flow: str, out_trade_no: str, amount: Decimal, subject: str,
                 notify_url: str, expires_at: datetime, created_at: datetime,
                 openid: str | None = None, return_url: str | None = None) -> Checkout: ...

    # notify_url: UnionPay reports a code payment there; Alipay and WeChat Pay are asked instead.
    def pay_code(self, *, out_trade_no: str, amount: Decimal, subject: str, auth_code: str,
                 created_at: datetime, notify_url: str = "") -> Charge: ...

    def query(self, out_trade_no: str, *, created_at: datetime) -> Charge: ...

    def close(self, out_trade_no: str, *, created_at: datetime) -> None: ...

    # notify_url: where the gateway reports the cancel or refund (UnionPay requires one, WeChat
    # takes one for refunds, Alipay has none); adapters fall back to their configured one.
    def cancel(self, out_trade_no: str, *, created_at: datetime, amount: Decimal,
               trade_no: str | None, notify_url: str = "") -> None: ...

    # requested_at: when the refund was first asked for (UnionPay names a transaction by its
    # number and time, so every retry and status check repeats it; the others ignore it).
    def refund(self, *, out_trade_no: str, trade_no: str | None, out_refund_no: str,
               amount: Decimal, total: Decimal, created_at: datetime,
               notify_url: str = "", requested_at: datetime | None = None) -> RefundResult: ...

    def verify_notify(self, body: bytes, headers: Mapping[str, str], *,
                      now: datetime | None = None) -> Notification: ...

    def notify_reply(self, accepted: bool, message: str = "") -> tuple[int, bytes, dict[str, str]]: ...

    def bill(self, day: date) -> bytes: ...
