"""The engine's PostgreSQL session settings."""

from __future__ import annotations

from sqlalchemy import text

from shared_models.db import make_engine


def test_postgresql_sessions_run_without_jit(new_database):
    # PostgreSQL's JIT, chosen by cost estimate, spent 7.5 s compiling the dashboard's status
    # counts over 10,000 meters that run in 0.3 s without it (ops/bench/console.py).
    engine = make_engine(new_database(postgres=True))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar_one() == "off"
    finally:
        engine.dispose()
