"""Schema fields for exact decimals: written as text in JSON, never as binary floats."""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import ValidationError, fields, validate

from shared_models.errors import InvalidValue
from shared_models.money import PLAIN_DECIMAL, energy, money, price


class _DecimalText(fields.String):
    """A decimal written as JSON text: ASCII digits, an optional minus sign and point, nothing
    else (no exponent, spaces or other scripts' digits); JSON numbers are refused, not guessed."""

    parse = staticmethod(money)
    integer_digits, decimals, example = 12, 2, "12.50"
    rule = ('Write the amount as a decimal string such as "12.50": '
            'at most 12 digits before the point and 2 after it.')

    def __init__(self, *, non_negative: bool = False, **kwargs) -> None:
        self.non_negative = non_negative
        digits = rf"[0-9]{{1,{self.integer_digits}}}(\.[0-9]{{1,{self.decimals}}})?"
        self._sized = re.compile("-?" + digits)
        pattern = ("^" if non_negative else "^-?") + digits + "$"
        metadata = {"pattern": pattern, "example": self.example, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if not isinstance(value, str) or not PLAIN_DECIMAL.fullmatch(value):
            raise ValidationError(self.rule)
        if self.non_negative and value.startswith("-"):
            raise ValidationError("Must not be negative.")
        if not self._sized.fullmatch(value):
            raise ValidationError(self.rule)
        try:
            return self.parse(value)
        except InvalidValue as exc:
            raise ValidationError(str(exc)) from exc


class MoneyField(_DecimalText):
    """Yuan with at most 2 decimals, e.g. "12.50"."""


class PriceField(_DecimalText):
    """Yuan per kWh with at most 4 decimals, e.g. "0.5283"."""

    parse = staticmethod(price)
    integer_digits, decimals, example = 6, 4, "0.5283"
    rule = ('Write the price as a decimal string such as "0.5283": '
            'at most 6 digits before the point and 4 after it.')


class EnergyField(_DecimalText):
    """kWh with at most 2 decimals."""

    parse = staticmethod(energy)
    integer_digits, decimals, example = 12, 2, "1234.56"
    rule = ('Write the energy as a decimal string such as "1234.56": '
            'at most 12 digits before the point and 2 after it.')


class Text(fields.String):
    """A single line of user text: trimmed, no control characters (PostgreSQL refuses NUL)."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise ValidationError("Control characters are not allowed.")
        return text


MAX_ID = 2**31 - 1


class Id(fields.Integer):
    """A row id: a positive integer the database column can hold."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("validate", validate.Range(1, MAX_ID))
        super().__init__(**kwargs)
