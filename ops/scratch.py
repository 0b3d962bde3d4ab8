"""Throwaway databases for tests and benchmarks: made on a PostgreSQL server, or as SQLite
files, migrated to a revision, and dropped afterwards (even with connections left open)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared_models.db import upgrade


class ScratchDatabases:
    """Databases of their own for one test, module or run; `drop_all` removes them.

    With `server_url` (a PostgreSQL server) each database is created on it, else it is a
    SQLite file in `directory`. `create` migrates to `revision` ("head"; None: empty)."""

    def __init__(self, server_url: str | None, directory: Path | str, label: str = "test") -> None:
        self.server_url, self.directory, self.label = server_url, Path(directory), label
        self._names: list[str] = []

    @property
    def postgres(self) -> bool:
        return bool(self.server_url) and self.server_url.startswith("postgresql")

    def _admin(self):
        base = make_url(self.server_url).set(drivername="postgresql+psycopg")
        return base, create_engine(base, isolation_level="AUTOCOMMIT")

    def create(self, revision: str | None = "head") -> str:
        name = f"wk_{self.label}_{uuid.uuid4().hex[:10]}"
        if self.postgres:
            base, admin = self._admin()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self._names.append(name)
            url = base.set(database=name).render_as_string(hide_password=False)
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{self.directory / f'{name}.sqlite3'}"
        if revision is not None:
            upgrade(url, revision)
        return url

    def drop_all(self) -> None:
        if not self._names:
            return
        _base, admin = self._admin()
        with admin.connect() as conn:
            for name in self._names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        self._names.clear()


@contextmanager
def scratch_database(server_url: str, label: str, revision: str | None = None) -> Iterator[str]:
    """One database on the PostgreSQL server for a benchmark run, dropped afterwards."""
    databases = ScratchDatabases(server_url, ".", label)
    try:
        yield databases.create(revision)
    finally:
        databases.drop_all()
