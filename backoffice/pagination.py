"""Paging SQL selects with flask-smorest's Page: count once, fetch one window."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_OFFSET = 2**31 - 1


class SelectCollection:
    """A lazy sequence over a select, so `Page` can take its length and a slice."""

    def __init__(self, session: Session, stmt: Select) -> None:
        self.session = session
        self.stmt = stmt

    def __len__(self) -> int:
        counted = self.stmt.order_by(None).subquery()
        return self.session.scalar(select(func.count()).select_from(counted)) or 0

    def __getitem__(self, window: slice) -> list:
        start = window.start or 0
        if start > MAX_OFFSET:  # far past any real page; the database would overflow
            return []
        stmt = self.stmt.offset(start)
        if window.stop is not None:
            stmt = stmt.limit(window.stop - start)
        return self._rows(stmt)

    def _rows(self, stmt: Select) -> list:
        return list(self.session.scalars(stmt))


class MappingCollection(SelectCollection):
    """The same over a multi-column select (reports, status lists): each row as a mapping."""

    def _rows(self, stmt: Select) -> list:
        return list(self.session.execute(stmt).mappings())
