"""The local period (day, month, year) of a stored UTC instant, computed in SQL per row.

PostgreSQL converts with its own time zone database. SQLite has none, so the same expression
calls a function registered on the connection that converts with zoneinfo; `prepare()` must run
on a session before a report query is executed there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from shared_models.reports.periods import Unit, period_key

SQLITE_FUNCTION = "wk_local_period"
# PostgreSQL to_char() patterns; SQLite's function takes the same words.
_PATTERNS = {Unit.DAY: "YYYY-MM-DD", Unit.MONTH: "YYYY-MM", Unit.YEAR: "YYYY"}
_UNITS = {pattern: unit for unit, pattern in _PATTERNS.items()}


class _LocalPeriod(FunctionElement):
    type = String()
    inherit_cache = True


def local_period(instant: ColumnElement, timezone: ColumnElement, unit: Unit) -> ColumnElement:
    """"2025-03-01" / "2025-03" / "2025": the period of `instant` in the zone named by `timezone`."""
    # Written into the SQL, not bound: GROUP BY must repeat the select's expression exactly.
    return _LocalPeriod(instant, timezone, literal_column(f"'{_PATTERNS[Unit(unit)]}'"))


@compiles(_LocalPeriod, "postgresql")
def _postgresql(element, compiler, **kw) -> str:
    instant, timezone, pattern = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"to_char(timezone({timezone}, {instant}), {pattern})"


@compiles(_LocalPeriod)
def _other(element, compiler, **kw) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def _sqlite_local_period(stored: str | None, timezone: str, pattern: str) -> str | None:
    # SQLite keeps UTCDateTime as naive UTC text ("2025-03-01 15:30:00.000000").
    if stored is None:
        return None
    instant = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return period_key(_UNITS[pattern], instant.astimezone(ZoneInfo(timezone)))


def prepare(db: Session) -> None:
    """Make `local_period` work on this session's connection (a no-op on PostgreSQL)."""
    connection = db.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.dbapi_connection.create_function(
            SQLITE_FUNCTION, 3, _sqlite_local_period, deterministic=True)
