"""Engines, sessions and migrations; callers own the transaction boundaries."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from shared_models import audit

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def pool_size(env: Mapping[str, str] | None = None) -> int:
    """Connections an API process keeps: WATTKEEPER_DB_POOL_SIZE, else its request threads
    (WATTKEEPER_THREADS, gunicorn's threads per process), else 4."""
    env = os.environ if env is None else env
    return int(env.get("WATTKEEPER_DB_POOL_SIZE") or env.get("WATTKEEPER_THREADS") or 4)


def make_engine(url: str, **options: object) -> Engine:
    """An engine tuned for the database behind `url` (SQLite for the demo, PostgreSQL in production).

    On PostgreSQL the pool holds `pool_size()` connections and no overflow: a process never
    runs more threads than that, and every gunicorn process of every host adds its pool to the
    server's connections."""
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **options)
        _tune_sqlite(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", pool_size())
    options.setdefault("max_overflow", 0)
    # No JIT: PostgreSQL turns it on by cost estimate, and for the dashboard's status counts
    # over 10,000 meters it spent 7.5 s compiling a query that runs in 0.3 s without it
    # (ops/bench/console.py). Our queries are short; none gains from compiled expressions.
    options.setdefault("connect_args", {"options": "-c jit=off"})
    return create_engine(url, **options)


def _tune_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN; take it over
    # (the SQLAlchemy-documented recipe) and turn on foreign keys and WAL.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
        # instead of one failing with "database is locked" when it upgrades a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(bind: Engine | Connection, **options: object) -> sessionmaker[Session]:
    """Audited sessions that keep loaded values after commit (responses are built after it).

    Every change they flush is written to the audit log in the same transaction; a session made
    any other way is not audited.
    """
    options.setdefault("expire_on_commit", False)
    factory = sessionmaker(bind, **options)
    audit.install(factory)
    return factory


def alembic_config(url: str):
    """An Alembic config pointing at the packaged migrations and the given database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creates every table on a fresh database)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
