"""A batch's ids in a query: `= ANY(:array)` on PostgreSQL, IN on SQLite.

An IN of a bus's 32 meters is rendered and bound as 32 parameters on every execution; one array
parameter keeps the statement's text fixed, so it is compiled once and psycopg prepares it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Integer, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

_ARRAYS = {int: ARRAY(Integer), str: ARRAY(String)}


def among(db: Session, column: ColumnElement, values: Iterable[int] | Iterable[str]) -> ColumnElement[bool]:
    """`column` is one of `values` (ids or keys, all of one type)."""
    values = list(values)
    if not values or db.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, values, type_=_ARRAYS[type(values[0])]))
