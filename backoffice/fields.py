"""Schema fields for exact decimals: written as text in JSON, never as binary floats."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, validate

from shared_models.errors import InvalidValue
from shared_models.money import energy, money, price


class _DecimalText(fields.String):
    parse = staticmethod(money)
    pattern = r"^-?\d{1,12}(\.\d{1,2})?$"

    def __init__(self, **kwargs) -> None:
        metadata = {"pattern": self.pattern, "example": "12.50", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise ValidationError("Not a valid number.")
        try:
            return self.parse(value)
        except InvalidValue as exc:
            raise ValidationError(str(exc)) from exc


class MoneyField(_DecimalText):
    """Yuan with at most 2 decimals, e.g. "12.50"."""


class PriceField(_DecimalText):
    """Yuan per kWh with at most 4 decimals, e.g. "0.5283"."""

    parse = staticmethod(price)
    pattern = r"^-?\d{1,6}(\.\d{1,4})?$"


class EnergyField(_DecimalText):
    """kWh with at most 2 decimals."""

    parse = staticmethod(energy)
    pattern = r"^-?\d{1,14}(\.\d{1,2})?$"


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
