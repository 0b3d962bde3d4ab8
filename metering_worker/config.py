"""Worker configuration from the environment, and the per-process engine and Redis built lazily."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from metering_worker.demo_key import DEMO_MASTER_KEY
from metering_worker.protocol import KeyRing
from shared_models.db import make_engine, make_session_factory

# The threads a worker process touches the database from: asyncio.to_thread's default
# executor, where a sweep stores its buses' readings.
DB_THREADS = min(32, (os.cpu_count() or 1) + 4)


def _instance_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("WATTKEEPER_INSTANCE", Path.cwd() / "instance"))


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    redis_url: str
    # Hex of the 24-byte site master key the per-meter MAC keys are diversified from.
    # None when unset on a server database: the worker then refuses to talk to meters.
    site_master_key: str | None = DEMO_MASTER_KEY
    key_version: int = 1
    clock_skew_s: int = 300  # a meter clock further off than this flags its reading clock_drift
    shard_buses: int = 0  # buses per sweep job (0: sized by polling.pacing); gateways stay whole
    poll_buses_at_once: int = 0  # per sweep job's event loop (0: polling.pacing's measured default)
    # The payment gateways' keys (the back office's file, docs/payments.md); None: payments off.
    payments_file: str | None = None

    def key_ring(self) -> KeyRing:
        if not self.site_master_key:
            raise RuntimeError("WATTKEEPER_SITE_MASTER_KEY is not set; the worker will not sign "
                               "meter commands with the published demo key outside the demo.")
        return KeyRing.single(bytes.fromhex(self.site_master_key), version=self.key_version)


def load(env: Mapping[str, str] | None = None) -> WorkerConfig:
    """Read DATABASE_URL, REDIS_URL, WATTKEEPER_SITE_MASTER_KEY and the polling knobs."""
    env = os.environ if env is None else env
    default_db = f"sqlite:///{_instance_dir(env) / 'wattkeeper.sqlite3'}"
    database_url = env.get("DATABASE_URL", default_db)
    # The simulator's published key is only a default on the embedded (SQLite) demo setup.
    demo = database_url.startswith("sqlite")
    return WorkerConfig(
        database_url=database_url,
        redis_url=env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        site_master_key=env.get("WATTKEEPER_SITE_MASTER_KEY") or (DEMO_MASTER_KEY if demo else None),
        key_version=int(env.get("WATTKEEPER_KEY_VERSION", "1")),
        clock_skew_s=int(env.get("WATTKEEPER_CLOCK_SKEW_S", "300")),
        shard_buses=max(0, int(env.get("WATTKEEPER_SHARD_BUSES", "0"))),
        poll_buses_at_once=max(0, int(env.get("WATTKEEPER_POLL_BUSES_AT_ONCE", "0"))),
        payments_file=env.get("WATTKEEPER_PAYMENTS") or None,
    )


@cache
def settings() -> WorkerConfig:
    """This process's configuration, read once on first use."""
    return load()


_factories: dict[str, sessionmaker[Session]] = {}


def session_factory(database_url: str | None = None) -> sessionmaker[Session]:
    """One engine per process and URL; jobs open a session per transaction from it."""
    url = database_url or settings().database_url
    if url not in _factories:
        _factories[url] = make_session_factory(make_engine(url, pool_size=DB_THREADS))
    return _factories[url]


@cache
def redis(redis_url: str | None = None) -> Redis:
    return Redis.from_url(redis_url or settings().redis_url, socket_timeout=5, socket_connect_timeout=5)


def reset() -> None:
    """Forget the cached configuration, engines and Redis clients (tests; a forked child)."""
    for factory in _factories.values():
        factory.kw["bind"].dispose()
    _factories.clear()
    settings.cache_clear()
    redis.cache_clear()
