"""Validation helpers that name the offending field in every InvalidValue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction

from shared_models.errors import InvalidValue
from shared_models.money import energy, money, price


def invalid(field: str, reason: str) -> InvalidValue:
    """An InvalidValue whose message starts with the field path."""
    return InvalidValue(f"{field}: {reason}" if field else reason, field=field, reason=reason)


def join(prefix: str, field: str) -> str:
    if not field:
        return prefix
    if not prefix:
        return field
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


@contextmanager
def at(prefix: str) -> Iterator[None]:
    """Re-raise InvalidValue from nested parsing with the enclosing path prepended."""
    try:
        yield
    except InvalidValue as exc:
        reason = str(exc.params.get("reason", exc.message))
        raise invalid(join(prefix, exc.field or ""), reason) from None


def _checked(convert, value: object, field: str) -> Decimal:
    with at(field):
        try:
            return convert(value)
        except InvalidValue as exc:
            raise invalid("", exc.message) from None


def price_field(value: object, field: str) -> Decimal:
    """A non-negative price per kWh with at most 4 decimals."""
    result = _checked(price, value, field)
    if result < 0:
        raise invalid(field, f"must not be negative: {value}")
    return result


def money_field(value: object, field: str) -> Decimal:
    """A non-negative amount of yuan with at most 2 decimals."""
    result = _checked(money, value, field)
    if result < 0:
        raise invalid(field, f"must not be negative: {value}")
    return result


def energy_field(value: object, field: str) -> Decimal:
    """A non-negative quantity of kWh with at most 2 decimals."""
    result = _checked(energy, value, field)
    if result < 0:
        raise invalid(field, f"must not be negative: {value}")
    return result


def quantity(value: object, field: str) -> Fraction:
    """Energy as an exact rational: meter values (0.01 kWh) or exact shares of split intervals."""
    if isinstance(value, Fraction):
        if value < 0:
            raise invalid(field, f"must not be negative: {value}")
        return value
    return Fraction(energy_field(value, field))


def expect(value: object, kind: type | tuple[type, ...], field: str, what: str) -> None:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise invalid(field, f"must be {what}, got {type(value).__name__}")
