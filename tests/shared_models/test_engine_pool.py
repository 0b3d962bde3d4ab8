"""An API process keeps as many database connections as it runs request threads."""

from __future__ import annotations

import pytest

from shared_models.db import make_engine, pool_size


@pytest.mark.parametrize("env, size", [
    ({}, 4),
    ({"WATTKEEPER_THREADS": "8"}, 8),
    ({"WATTKEEPER_THREADS": "8", "WATTKEEPER_DB_POOL_SIZE": "3"}, 3),
])
def test_the_pool_follows_the_threads_unless_set(env, size):
    assert pool_size(env) == size


def test_a_postgresql_engine_has_no_overflow_beyond_its_pool(monkeypatch):
    monkeypatch.delenv("WATTKEEPER_DB_POOL_SIZE", raising=False)
    monkeypatch.setenv("WATTKEEPER_THREADS", "6")
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert (engine.pool.size(), engine.pool._max_overflow) == (6, 0)
    engine.dispose()
