"""Money, price and energy: Decimal value types that never mix and never touch float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from shared_models.errors import InvalidValue

CENT = Decimal("0.01")
PRICE_STEP = Decimal("0.0001")
ENERGY_STEP = Decimal("0.01")


# Text is plain ASCII decimal notation. Decimal() itself would also read "2E1", " 30 " and
# digits of other scripts ("３０", "٣٠"), which nobody means as an amount of money.
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _to_decimal(value: object, what: str) -> Decimal:
    # Floats carry binary noise (0.1 + 0.2); callers must hand us text, int or Decimal.
    if isinstance(value, float | bool):
        raise InvalidValue(f"{what} must be given as text or Decimal, not {type(value).__name__}")
    if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value):
        raise InvalidValue(f"{what} is not a plain decimal number such as 12.50: {value!r}")
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise InvalidValue(f"{what} is not a number: {value!r}") from exc
    if not result.is_finite():
        raise InvalidValue(f"{what} must be finite: {value!r}")
    return result


# Far beyond any real amount, and inside what NUMERIC(16, x) columns hold.
LIMIT = Decimal(10) ** 12


def _exact(value: object, step: Decimal, what: str) -> Decimal:
    amount = _to_decimal(value, what)
    if abs(amount) >= LIMIT:
        raise InvalidValue(f"{what} is out of range: {value}")
    quantized = amount.quantize(step, rounding=ROUND_HALF_UP)
    if quantized != amount:
        raise InvalidValue(f"{what} has more than {-step.as_tuple().exponent} decimal places: {value}")
    return quantized


def money(value: object) -> Decimal:
    """An exact amount of yuan with at most 2 decimal places."""
    return _exact(value, CENT, "amount")


def price(value: object) -> Decimal:
    """An exact price in yuan per kWh with at most 4 decimal places."""
    return _exact(value, PRICE_STEP, "price")


def energy(value: object) -> Decimal:
    """An exact quantity of kWh with at most 2 decimal places."""
    return _exact(value, ENERGY_STEP, "energy")


def round_money(value: Decimal) -> Decimal:
    """The one rounding rule for money: half-up to the cent, applied where a posting is made."""
    return _to_decimal(value, "amount").quantize(CENT, rounding=ROUND_HALF_UP)


def money_from_cents(cents: int) -> Decimal:
    """Devices and gateways count in fen (0.01 yuan) integers."""
    return (Decimal(int(cents)) * CENT).quantize(CENT)


def cents(amount: Decimal) -> int:
    """Integer fen for an exact money amount (refuses sub-cent values)."""
    return int(money(amount) / CENT)


def energy_from_hundredths(value: int) -> Decimal:
    """Meters report energy in 0.01 kWh steps."""
    return (Decimal(int(value)) * ENERGY_STEP).quantize(ENERGY_STEP)


def price_from_units(value: int) -> Decimal:
    """Meters hold prices in 0.0001 yuan/kWh steps."""
    return (Decimal(int(value)) * PRICE_STEP).quantize(PRICE_STEP)
