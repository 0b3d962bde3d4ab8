"""Reading and writing .xlsx in bounded memory: openpyxl read-only in, write-only out."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from shared_models.errors import InvalidValue
from shared_models.workbooks.layout import INSTRUCTIONS

MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 20000  # per sheet: a whole large site, far below what would strain a request
VALIDATED_ROWS = 5000  # how far down the template's drop-down lists reach
SPOOL_BYTES = 4 * 1024 * 1024  # beyond this the export spills to a temporary file


@dataclass
class SheetRows:
    """One sheet as read: its header and its non-blank rows by Excel row number."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class SheetSpec:
    """One sheet to write: columns, rows (any iterable, consumed once) and drop-down lists."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]] = ()
    choices: dict[str, Sequence[str]] = field(default_factory=dict)


def cell_text(value: Any) -> str:
    """Cells as the text a person typed: 9600.0 is "9600", blanks are ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def read_sheets(stream: IO[bytes], sheets: Iterable[str]) -> dict[str, SheetRows]:
    """The named sheets that exist in the workbook, as text; a sheet too long is refused."""
    try:
        with warnings.catch_warnings():
            # Excel-made files carry extensions openpyxl drops with a warning; we only read values.
            warnings.simplefilter("ignore", UserWarning)
            book = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InvalidValue("The file is not a readable .xlsx workbook.", field="file") from exc
    try:
        return {name: _read_sheet(book[name], name) for name in sheets if name in book.sheetnames}
    finally:
        book.close()


def _read_sheet(sheet, name: str) -> SheetRows:
    lines = sheet.iter_rows(values_only=True)
    header = [cell_text(value) for value in next(lines, ())]
    while header and not header[-1]:
        header.pop()
    rows = []
    for number, line in enumerate(lines, start=2):
        values = {column: cell_text(value) for column, value in zip(header, line, strict=False)
                  if column}
        if not any(values.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidValue("The sheet {sheet} has more than {limit} rows.", field="file",
                               sheet=name, limit=MAX_ROWS)
        rows.append((number, {key: value for key, value in values.items() if value}))
    return SheetRows(header, rows)


def write_workbook(sheets: Iterable[SheetSpec], notes: Iterable[Sequence[str]] = ()) -> IO[bytes]:
    """A write-only workbook in a spooled file, rewound, for streaming to the client."""
    book = Workbook(write_only=True)
    for spec in sheets:
        sheet = book.create_sheet(spec.name)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column) + 4)
            if column in spec.choices:
                sheet.data_validations.append(_drop_down(spec.choices[column], index))
        sheet.append([_bold(sheet, column) for column in spec.columns])
        for row in spec.rows:
            sheet.append(row)
    notes_sheet = book.create_sheet(INSTRUCTIONS)
    notes_sheet.column_dimensions["C"].width = notes_sheet.column_dimensions["D"].width = 50
    for line in notes:
        notes_sheet.append(list(line))
    spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # the response closes it
    book.save(spool)
    spool.seek(0)
    return spool


def _bold(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _drop_down(choices: Sequence[str], column: int) -> DataValidation:
    letter = get_column_letter(column)
    validation = DataValidation(type="list", formula1='"{}"'.format(",".join(choices)),
                                allow_blank=True, showErrorMessage=True)
    validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
    return validation
