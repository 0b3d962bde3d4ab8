"""Online payments: orders a payer settles at a gateway, and everything the gateways told us.

An order row exists before any QR, link or payment code reaches a gateway, so no payment can
arrive for an order we do not know. Its state only moves forward (see `payments/states.py`);
the money itself moves in the ledger, through the one crediting path.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.models.ledger import Channel
from shared_models.types import Money, UTCDateTime, utcnow

ONLINE_CHANNELS = (Channel.ALIPAY, Channel.WECHAT, Channel.UNIONPAY)


class PaymentFlow(enum.StrEnum):
    QR = "qr"  # Alipay precreate, WeChat Native, UnionPay QR: the payer scans our code
    PAYMENT_CODE = "payment_code"  # 付款码: a kiosk scans the payer's code and we charge it
    WAP = "wap"  # Alipay in a phone browser
    JSAPI = "jsapi"  # WeChat Pay inside WeChat, with the payer's openid


class OrderState(enum.StrEnum):
    CREATED = "created"  # persisted; nothing sent to the gateway yet
    PENDING = "pending"  # the gateway knows it; waiting for the payer
    PAID = "paid"  # the gateway took the money; not (yet) on the wallet
    CREDITED = "credited"  # on the wallet: the sale document exists
    CLOSED = "closed"  # closed or declined before any money was taken
    EXPIRED = "expired"  # not paid in time and closed at the gateway
    REFUNDING = "refunding"  # a refund was sent to the gateway and not yet confirmed
    REFUNDED = "refunded"  # wholly or partly refunded (see `refunded_amount`)


class PaymentOrder(Base):
    """One attempt to pay one amount into one account through one gateway."""

    __tablename__ = "payment_orders"
    # Not copied into the system log, like a sale: its events are its own append-only history
    # (refusals are logged too), and the log's chain lock would otherwise serialise every
    # notify of every site.
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("tenant_accounts.id"), index=True)
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "payment_channel"))
    flow: Mapped[PaymentFlow] = mapped_column(db_enum(PaymentFlow, "payment_flow"))
    amount: Mapped[Decimal] = mapped_column(Money)
    state: Mapped[OrderState] = mapped_column(db_enum(OrderState, "payment_order_state"),
                                              default=OrderState.CREATED)
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)  # ours, sent to the gateway
    trade_no: Mapped[str | None] = mapped_column(String(64))  # the gateway's, once paid
    subject: Mapped[str] = mapped_column(String(128))
    # Where the payer sees the order: the QR's content or the page to open.
    qr_code: Mapped[str | None] = mapped_column(Text)
    pay_url: Mapped[str | None] = mapped_column(Text)
    # Where its gateway reports on it (and on its cancels and refunds).
    notify_url: Mapped[str] = mapped_column(String(255), default="")
    payer_hint: Mapped[str] = mapped_column(String(32), default="")  # a masked payment code
    source: Mapped[str] = mapped_column(String(32), default="")  # kiosk, mobile, console, api
    requested_by: Mapped[str] = mapped_column(String(64), default="")  # the principal's name
    refunded_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # Money that arrived for an order we had given up on, or that could not be credited.
    review_reason: Mapped[str] = mapped_column(String(255), default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("channel", "trade_no", name="uq_payment_orders_gateway_trade"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= amount",
                        name="refund_within_amount"),
        # The recovery job's scan: orders still waiting, oldest first.
        Index("ix_payment_orders_open", "state", "created_at"),
    )


class PaymentEventKind(enum.StrEnum):
    CREATE = "create"  # the order sent to the gateway (precreate, native, QR)
    PAY = "pay"  # a payment code charged
    NOTIFY = "notify"  # the gateway called us
    QUERY = "query"  # we asked the gateway
    CLOSE = "close"
    CANCEL = "cancel"  # cancel or reverse after an unknown outcome
    REFUND = "refund"


class PaymentEvent(Base):
    """What happened between us and a gateway about an order, including what we refused."""

    __tablename__ = "payment_events"
    __audited__ = False  # an append-only history of its own; refusals also go to the system log

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "payment_channel"))
    kind: Mapped[PaymentEventKind] = mapped_column(db_enum(PaymentEventKind, "payment_event_kind"))
    accepted: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(255))  # what we concluded, in words
    # The facts we relied on (verified fields; never keys, never a whole payment code).
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefundState(enum.StrEnum):
    PENDING_APPROVAL = "pending_approval"  # above the site's threshold: a second person decides
    APPROVED = "approved"  # to be sent to the gateway (again, with the same number, until it answers)
    PROCESSING = "processing"  # the gateway accepted it and has not finished
    SUCCEEDED = "succeeded"  # the gateway confirmed: the ledger moved
    FAILED = "failed"  # the gateway refused it: nothing moved
    REJECTED = "rejected"  # the second person said no


class PaymentRefund(Base):
    """Money paid online going back to the payer through the same gateway.

    `out_refund_no` is sent on every try: the gateway refunds one number once, so a retry after
    a lost answer can never refund twice. The ledger moves only when the gateway confirms.
    """

    __tablename__ = "payment_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    out_refund_no: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[RefundState] = mapped_column(db_enum(RefundState, "payment_refund_state"))
    reason: Mapped[str] = mapped_column(String(255), default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    refund_id: Mapped[str | None] = mapped_column(String(64))  # the gateway's
    failure: Mapped[str] = mapped_column(String(255), default="")
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
