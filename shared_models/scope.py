"""Site scoping: a select limited to the sites a caller may see (None: every site)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute


def within_sites(stmt: Select, column: InstrumentedAttribute, site_ids: Collection[int] | None) -> Select:
    """`stmt` limited to rows whose `column` is one of `site_ids`; unchanged for None."""
    return stmt if site_ids is None else stmt.where(column.in_(sorted(site_ids)))
