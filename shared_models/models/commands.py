"""The remote-control outbox: every command to a meter is a row committed before it is sent."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.types import UTCDateTime, utcnow


class CommandKind(enum.StrEnum):
    TRIP = "trip"  # 拉闸
    CLOSE = "close"  # 合闸
    PROTECT = "protect"  # 保电: relay forced on whatever the balance
    RESTORE_PREPAID = "restore_prepaid"  # 恢复预付费: protect off, enforcement back on
    PUSH_TARIFF = "push_tariff"  # 电价下发
    PUSH_SETTINGS = "push_settings"  # alarm thresholds, overdraft, overload
    CLOCK_SYNC = "clock_sync"
    RECHARGE = "recharge"  # credit pushed into a local-mode meter's own wallet


class CommandState(enum.StrEnum):
    QUEUED = "queued"  # committed, waiting for its bus
    SENT = "sent"  # written to the meter, outcome not yet read
    ACKNOWLEDGED = "acknowledged"  # the meter reported OK in its mailbox result
    VERIFIED = "verified"  # read back: relay, status, sequence or purchase count agree
    FAILED = "failed"  # refused by the meter, or out of attempts
    EXPIRED = "expired"  # its time to live ran out before it could be applied


FINAL_STATES = frozenset({CommandState.VERIFIED, CommandState.FAILED, CommandState.EXPIRED})
# Still on its way to the meter (the outbox index `ix_commands_open` covers exactly these).
OPEN_STATES = (CommandState.QUEUED, CommandState.SENT, CommandState.ACKNOWLEDGED)


class CommandOrigin(enum.StrEnum):
    OPERATOR = "operator"
    AUTOMATIC = "automatic"  # enforcement: trip at arrears, close after a top-up


class CommandBatch(Base):
    """Many meters given the same command at once; each meter gets its own Command row."""

    __tablename__ = "command_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[CommandKind] = mapped_column(db_enum(CommandKind, "command_kind"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Command(Base):
    """One command to one meter and how far it has got. Every change is in the system log."""

    __tablename__ = "commands"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("command_batches.id"), index=True)
    kind: Mapped[CommandKind] = mapped_column(db_enum(CommandKind, "command_kind"))
    # Kind-specific arguments as JSON-safe values (money as strings): settings, tariff, amount.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[CommandState] = mapped_column(db_enum(CommandState, "command_state"),
                                                default=CommandState.QUEUED)
    origin: Mapped[CommandOrigin] = mapped_column(db_enum(CommandOrigin, "command_origin"),
                                                  default=CommandOrigin.OPERATOR)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    # Mailbox sequence number for this meter, fixed when the command is queued so a resend
    # is recognised by the meter as the same command.
    sequence: Mapped[int | None] = mapped_column(Integer)
    # Recharge only: the purchase count the meter must reach, and the ledger transfer that
    # moved the money from the wallet onto the meter.
    purchase_count: Mapped[int | None] = mapped_column(Integer)
    ledger_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_commands_meter_id_state", "meter_id", "state"),
        # The outbox scan: unfinished commands only.
        Index("ix_commands_open", "site_id", "next_attempt_at",
              postgresql_where=text("state IN ('queued', 'sent', 'acknowledged')"),
              sqlite_where=text("state IN ('queued', 'sent', 'acknowledged')")),
    )
