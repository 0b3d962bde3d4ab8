"""Database triggers that refuse UPDATE and DELETE on append-only tables (log, ledger)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


def protect_statements(dialect: str, table: str) -> list[str]:
    """The DDL that makes `table` append-only on this dialect."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION wk_refuse_change() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP; "
            "END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION wk_refuse_change()",
        ]
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: UPDATE refused'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: DELETE refused'); END",
    ]


def unprotect_statements(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def protect(connection: Connection, table: str) -> None:
    for statement in protect_statements(connection.dialect.name, table):
        connection.execute(text(statement))


def unprotect(connection: Connection, table: str) -> None:
    for statement in unprotect_statements(connection.dialect.name, table):
        connection.execute(text(statement))
