"""Report workbooks: one sheet of streamed rows and a sheet saying what the report is."""

from __future__ import annotations

from datetime import date
from typing import IO

from sqlalchemy import Select
from sqlalchemy.orm import Session

from shared_models.reports import energy, journal, statements, totals
from shared_models.reports.periods import Period
from shared_models.types import utcnow
from shared_models.workbooks.xlsx import SheetSpec, write_workbook

_SIGNS = ("Signs", "Recharges (售电) count +, refunds (退电) and reversals (冲正) -; "
          "a reversal cancels the recharge it takes back.")


def _about(title: str, period: Period, *more: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Report", title),
            ("Period", f"{period.first} .. {period.last}, rows per {period.unit}"),
            ("Days", "Cut at local midnight in each site's time zone; times are local"),
            *more, ("Generated (UTC)", utcnow().isoformat(timespec="seconds"))]


def journal_book(db: Session, stmt: Select, period: Period) -> IO[bytes]:
    sheet = SheetSpec("Journal", journal.COLUMNS, journal.sheet_rows(db, stmt))
    return write_workbook([sheet], _about("Sales journal 售电流水", period, _SIGNS))


def totals_book(db: Session, stmt: Select, period: Period) -> IO[bytes]:
    sheet = SheetSpec("Totals", totals.COLUMNS, totals.sheet_rows(db, stmt))
    return write_workbook([sheet], _about("Sales totals 售电汇总", period, _SIGNS))


def statement_book(db: Session, head: statements.Statement, stmt: Select) -> IO[bytes]:
    sheet = SheetSpec("Statement", statements.COLUMNS, statements.sheet_rows(db, head, stmt))
    account = f"{head.account_number} {head.tenant_name} ({head.site_code}, {head.timezone})"
    return write_workbook([sheet], _about(
        "Account statement 对账单", head.period, ("Account", account),
        ("Signs", "Into the wallet +, out of it -; balance after each posting"),
        ("Opening balance", str(head.opening_balance)),
        ("Closing balance", str(head.closing_balance))))


def energy_book(db: Session, by: energy.EnergyBy, stmt: Select, first: date, last: date) -> IO[bytes]:
    sheet = SheetSpec("Energy", energy.COLUMNS[by], energy.sheet_rows(db, by, stmt, first, last))
    return write_workbook([sheet], [
        ("Report", f"Energy by {by} 用电量"), ("Period", f"{first} .. {last}"),
        ("Days", "Cut at local midnight in each site's time zone"), ("Energy", "kWh"),
        ("Generated (UTC)", utcnow().isoformat(timespec="seconds"))])
