"""Which rows a report sees: its sites, each cut at its own local midnights, streamed in batches."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, and_, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from shared_models.models import Site
from shared_models.reports.periods import Period
from shared_models.scope import within_sites

BATCH = 1000


def within(db: Session, period: Period, instant: InstrumentedAttribute,
           site_ids: Collection[int] | None) -> ColumnElement[bool]:
    """`instant` inside the period as the clocks of its own site tell it (the select must join
    Site). One UTC range per time zone in use, so the condition can use an index on `instant`."""
    zones = select(Site.timezone).distinct()
    zones = within_sites(zones, Site.id, site_ids)
    ranges = []
    for zone in db.scalars(zones.order_by(Site.timezone)):
        start, end = period.utc_range(zone)
        ranges.append(and_(Site.timezone == zone, instant >= start, instant < end))
    return or_(*ranges) if ranges else false()


def stream(db: Session, stmt: Select) -> Iterator[RowMapping]:
    """The rows of `stmt` fetched a batch at a time (a server-side cursor on PostgreSQL)."""
    yield from db.execute(stmt.execution_options(yield_per=BATCH)).mappings()


def plain(value: Any) -> Any:
    """Enumerations as their stored words, for a spreadsheet cell."""
    return getattr(value, "value", value)
