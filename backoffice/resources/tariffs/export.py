"""The dry run as an .xlsx workbook: one row per account and a total, from the same rows as the list."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shared_models.models import Site
from shared_models.models.tariffs import TariffPlanVersion
from shared_models.tariffs.dry_run import DryRunRow, last_month
from shared_models.workbooks.xlsx import SheetSpec, write_workbook

SHEET = "Dry run"
COLUMNS = ("account_number", "tenant_name", "kwh", "old_cost", "new_cost", "difference")


def dry_run_workbook(db: Session, version: TariffPlanVersion, month: date | None,
                     rows: Sequence[DryRunRow]) -> IO[bytes]:
    site = db.get(Site, version.plan.site_id)
    month = month or last_month(ZoneInfo(site.timezone))
    notes = [("site", site.code), ("plan", version.plan.code), ("version", str(version.id)),
             ("status", version.status.value),
             ("effective_from", version.effective_from.isoformat()),
             ("month", f"{month:%Y-%m}"),
             ("old_cost", "under each meter's tariff in force that month"),
             ("new_cost", "under this version for the whole month")]
    return write_workbook([SheetSpec(SHEET, COLUMNS, _lines(rows))], notes)


def _lines(rows: Sequence[DryRunRow]) -> Iterator[list]:
    totals = [Decimal("0.00")] * 4
    for row in rows:
        figures = [row.kwh, row.old_cost, row.new_cost, row.difference]
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        yield [row.account_number, row.tenant_name, *figures]
    yield ["TOTAL", "", *totals]
