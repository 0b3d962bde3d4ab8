"""pgbench's built-in TPC-B-like script on its own scratch database of the same server."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess

from sqlalchemy.engine import make_url

_TPS = re.compile(r"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections)",
                  re.MULTILINE)


def find_pgbench() -> str:
    """pgbench on PATH, else the newest one under /usr/lib/postgresql/*/bin (Debian keeps it there)."""
    explicit = os.environ.get("PGBENCH")
    if explicit:
        return explicit
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"),
                        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0)
    if not candidates:
        raise SystemExit("pgbench not found: install postgresql-contrib/postgresql-client or set PGBENCH")
    return candidates[-1]


def _libpq_env(database_url: str) -> dict[str, str]:
    url = make_url(database_url)
    env = {**os.environ}
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    return env


def parse_tps(output: str) -> float:
    match = _TPS.search(output)
    if not match:
        raise ValueError(f"no tps line in pgbench output:\n{output}")
    return float(match.group(1))


def run(database_url: str, *, clients: int, seconds: int, scale: int) -> tuple[float, str]:
    """Initialise the pgbench tables at `scale` and run `-c clients -j clients -T seconds`;
    returns the tps (without connection time) and pgbench's report."""
    binary, env = find_pgbench(), _libpq_env(database_url)
    subprocess.run([binary, "-i", "-q", "-s", str(scale)], env=env, check=True,
                   capture_output=True, text=True)
    done = subprocess.run([binary, "-c", str(clients), "-j", str(clients), "-T", str(seconds)],
                          env=env, check=True, capture_output=True, text=True)
    return parse_tps(done.stdout), done.stdout
