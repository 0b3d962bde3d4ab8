"""Gapless numbers per site (receipts, account numbers): a counter row bumped under its row lock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, bindparam, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.models import SiteCounter

_COUNTERS = SiteCounter.__table__
# Built once: every sale of a site bumps its receipt counter.
_BUMP = (_COUNTERS.update()
         .where(_COUNTERS.c.site_id == bindparam("c_site"), _COUNTERS.c.name == bindparam("c_name"))
         .values(value=_COUNTERS.c.value + 1).returning(_COUNTERS.c.value))


def next_value(db: Session, site_id: int, name: str) -> int:
    """The next number of the sequence; the row stays locked until the caller's transaction
    ends, so a rolled-back sale gives its number back and no number is skipped or repeated.

    One UPDATE ... RETURNING takes the lock and the number together: the row is hot (every
    sale of the site passes through it), so it is touched once, as late as the caller can."""
    which = {"c_site": site_id, "c_name": name}
    value = db.execute(_BUMP, which).scalar()
    if value is None:
        try:
            with db.begin_nested():
                db.add(SiteCounter(site_id=site_id, name=name, value=0))
        except IntegrityError:  # a concurrent first use created it
            pass
        value = db.execute(_BUMP, which).scalar()
    return value


# (table, number column, value columns) -> the numbered insert of those columns on PostgreSQL
_NUMBERED: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def _numbered_insert(table: Table, column: str, keys: tuple[str, ...]):
    """INSERT ... SELECT <values>, bumped.value FROM bumped, with the counter's bump as a CTE
    (data-modifying CTEs are PostgreSQL's): the number and the row in one statement."""
    cache_key = (table.name, column, keys)
    if cache_key not in _NUMBERED:
        # The 1 is written out: a bound literal inside a DML CTE is lost on execution.
        bumped = (_COUNTERS.update()
                  .where(_COUNTERS.c.site_id == bindparam("c_site"), _COUNTERS.c.name == bindparam("c_name"))
                  .values(value=_COUNTERS.c.value + literal_column("1")).returning(_COUNTERS.c.value)
                  .cte("bumped"))
        _NUMBERED[cache_key] = (
            table.insert()
            .from_select([*keys, column],
                         select(*(bindparam(f"v_{k}", type_=table.c[k].type) for k in keys),
                                bumped.c.value))
            .add_cte(bumped).returning(table.c.id, table.c[column]))
    return _NUMBERED[cache_key]


def insert_numbered(db: Session, table: Table, values: Mapping[str, Any], *, site_id: int, name: str,
                    column: str) -> tuple[int, int]:
    """Insert a row of `table` numbered in `column` with the site's next `name` (as
    `next_value`, the counter row then stays locked until the caller's transaction ends);
    returns the row's id and its number. On PostgreSQL the bump and the insert are one
    statement, else two."""
    if db.get_bind().dialect.name == "postgresql":
        stmt = _numbered_insert(table, column, tuple(sorted(values)))
        # Prefixed: a parameter named as a counter column would be taken into the bump's SET.
        params = {f"v_{key}": value for key, value in values.items()}
        row = db.execute(stmt, {**params, "c_site": site_id, "c_name": name}).one_or_none()
        if row is not None:
            return row[0], row[1]
    number = next_value(db, site_id, name)  # the first of the site (its counter is created) or SQLite
    return db.execute(table.insert().returning(table.c.id), {**values, column: number}).scalar_one(), number
