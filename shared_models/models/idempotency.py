"""Idempotency keys: the first answer to a POST, replayed for retries with the same key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.base import Base
from shared_models.types import UTCDateTime, utcnow


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer, default=0)
    response_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The key is scoped to the caller: two integrations may pick the same key by chance.
    __table_args__ = (UniqueConstraint("operator_id", "key"),)
