"""Column types that keep money, prices, energy and instants exact on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from shared_models.money import energy, money, price


class _ScaledDecimal(TypeDecorator):
    """NUMERIC on PostgreSQL; a scaled integer on SQLite, whose NUMERIC would be a binary float.

    Storing 0.01 yuan as the integer 1 keeps SUM() exact in SQL on both databases.
    """

    impl = Numeric
    cache_ok = True
    precision = 16
    scale = 2

    def validate(self, value: object) -> Decimal:
        raise NotImplementedError

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        exact = self.validate(value)
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value).quantize(Decimal(1).scaleb(-self.scale))

    @property
    def python_type(self) -> type:
        return Decimal


class Money(_ScaledDecimal):
    """Yuan with 2 decimal places."""

    cache_ok = True
    precision, scale = 14, 2

    def validate(self, value: object) -> Decimal:
        return money(value)


class Price(_ScaledDecimal):
    """Yuan per kWh with 4 decimal places."""

    cache_ok = True
    precision, scale = 10, 4

    def validate(self, value: object) -> Decimal:
        return price(value)


class Energy(_ScaledDecimal):
    """kWh with 2 decimal places."""

    cache_ok = True
    precision, scale = 16, 2

    def validate(self, value: object) -> Decimal:
        return energy(value)


class Remainder(_ScaledDecimal):
    """Yuan to 12 decimal places: the sub-cent part of a running bill carried to the next posting.

    Exact costs are rationals (`tariffs.engine`); the carry keeps them to 1e-12 yuan, so a
    meter's postings match its exact total within 1e-12 per reading, far below a cent.
    """

    cache_ok = True
    precision, scale = 16, 12

    def validate(self, value: object) -> Decimal:
        return Decimal(value).quantize(Decimal(1).scaleb(-self.scale))  # type: ignore[arg-type]


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must carry a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current instant, aware and in UTC."""
    return datetime.now(UTC)
