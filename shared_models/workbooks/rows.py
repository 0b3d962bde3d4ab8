"""Workbook rows and the errors reported against them (sheet, row, column, reason)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared_models.errors import WattkeeperError

# Domain exceptions name model fields; the workbook names some columns differently.
_COLUMN_OF_FIELD = {"bus_id": "bus", "unit_id": "unit"}


@dataclass
class Row:
    """One data row: where it is in the workbook and its values, already typed."""

    sheet: str
    number: int
    values: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    """Why a row (or, with row None, a whole sheet) cannot be imported.

    `message` is a translatable template formatted with `params`, like domain exceptions.
    """

    sheet: str
    row: int | None
    column: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, row: Row, column: str | None, exc: WattkeeperError) -> RowError:
        """The error a domain rule raised for this row; the rule's field names the column."""
        named = _COLUMN_OF_FIELD.get(exc.field, exc.field) if exc.field else None
        return cls(row.sheet, row.number, named or column, exc.message, dict(exc.params))

    @property
    def reason(self) -> str:
        return self.message.format(**self.params) if self.params else self.message

    def as_dict(self, reason: str | None = None) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "reason": self.reason if reason is None else reason}
