"""An arrival batch from Excel: the Batch sheet (one row) and the Serials sheet (one meter a row).

Checked whole before anything is written; every error names its sheet, row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.assets import arrivals
from shared_models.models import ArrivalBatch, MeterAsset
from shared_models.workbooks.rows import RowError
from shared_models.workbooks.xlsx import SheetRows, SheetSpec

BATCH, SERIALS = "Batch", "Serials"
SHEETS = (BATCH, SERIALS)
BATCH_COLUMNS = ("number", "supplier", "model", "arrived_on", "note")
REQUIRED = ("number", "supplier", "model", "arrived_on")
SERIAL_COLUMNS = ("serial_number",)
SERIAL = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
LIMITS = {"number": 40, "supplier": 120, "model": 60, "note": 255}
NOTES = [("Sheet Batch", "One row: the batch number, supplier, model, arrival date (YYYY-MM-DD), "
                        "note. 到货批次"),
         ("Sheet Serials", "One serial number a row. 表号")]


def template() -> list[SheetSpec]:
    return [SheetSpec(BATCH, BATCH_COLUMNS), SheetSpec(SERIALS, SERIAL_COLUMNS)]


@dataclass
class Checked:
    batch: dict[str, Any] = field(default_factory=dict)
    serials: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def check(db: Session, sheets: dict[str, SheetRows]) -> Checked:
    """The batch and its serials as read, with every error found."""
    out = Checked()
    for name in SHEETS:
        if name not in sheets:
            out.errors.append(RowError(name, None, None, "The workbook has no {sheet} sheet.",
                                       {"sheet": name}))
    if out.errors:
        return out
    _check_batch(db, sheets[BATCH], out)
    _check_serials(db, sheets[SERIALS], out)
    return out


def _check_batch(db: Session, sheet: SheetRows, out: Checked) -> None:
    if len(sheet.rows) != 1:
        out.errors.append(RowError(BATCH, None, None, "The Batch sheet has one row."))
        return
    number, row = sheet.rows[0]
    for column in BATCH_COLUMNS:
        value = row.get(column, "")
        if not value and column in REQUIRED:
            out.errors.append(RowError(BATCH, number, column, "This cell is required."))
        elif len(value) > LIMITS.get(column, 64):
            out.errors.append(RowError(BATCH, number, column, "At most {limit} characters.",
                                       {"limit": LIMITS[column]}))
        elif column == "arrived_on" and value:
            try:
                out.batch[column] = date.fromisoformat(value[:10])
            except ValueError:
                out.errors.append(RowError(BATCH, number, column,
                                           "A date is written YYYY-MM-DD."))
            continue
        out.batch[column] = value
    taken = out.batch.get("number") and db.scalar(
        select(ArrivalBatch.id).where(ArrivalBatch.number == out.batch["number"]))
    if taken:
        out.errors.append(RowError(BATCH, number, "number",
                                   "Batch number {number} is already recorded.",
                                   {"number": out.batch["number"]}))


def _check_serials(db: Session, sheet: SheetRows, out: Checked) -> None:
    if not sheet.rows:
        out.errors.append(RowError(SERIALS, None, None, "The Serials sheet lists no meter."))
        return
    seen: dict[str, int] = {}
    for number, row in sheet.rows:
        serial = row.get("serial_number", "")
        if not SERIAL.match(serial):
            out.errors.append(RowError(SERIALS, number, "serial_number",
                                       "A serial number is 1 to 32 letters, digits, - or _."))
        elif serial in seen:
            out.errors.append(RowError(SERIALS, number, "serial_number",
                                       "Serial number {serial} is already on row {row}.",
                                       {"serial": serial, "row": seen[serial]}))
        else:
            seen[serial] = number
    known = set()
    serials = list(seen)
    for start in range(0, len(serials), 500):
        known.update(db.scalars(select(MeterAsset.serial_number)
                                .where(MeterAsset.serial_number.in_(serials[start:start + 500]))))
    for serial in sorted(known, key=seen.get):
        out.errors.append(RowError(SERIALS, seen[serial], "serial_number",
                                   "Serial number {serial} is already a metering asset.",
                                   {"serial": serial}))
    out.errors.sort(key=lambda e: (SHEETS.index(e.sheet), e.row or 0))
    out.serials = serials


def import_batch(db: Session, sheets: dict[str, SheetRows], *, dry_run: bool,
                 operator_id: int | None) -> tuple[Checked, ArrivalBatch | None]:
    """Check the workbook; unless it is a dry run or has errors, record the batch."""
    checked = check(db, sheets)
    if checked.errors or dry_run:
        return checked, None
    values = {**checked.batch, "quantity": len(checked.serials), "serials": checked.serials}
    return checked, arrivals.receive(db, values, operator_id=operator_id)
