"""Benchmark: import a 500-meter registry workbook through the HTTP API and time it."""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from shared_models.workbooks import layout, xlsx

BUSES = 16


def gateway_row(site_code: str, name: str = "GW-A", buses: int = BUSES) -> list[Any]:
    return [site_code, name, "10.0.0.10", 4001, "modbus_tcp", None, 9600, "E", 1, 400, buses]


def meter_rows(site_code: str, count: int, *, gateway: str = "GW-A", buses: int = BUSES,
               prefix: str = "WB") -> list[list[Any]]:
    """`count` meters spread over the buses (at most 32 each), 20 units per floor of one building."""
    return [[f"{prefix}{n:06d}", site_code, gateway, n % buses + 1, n // buses + 1, "WK-PM1", 1, 1,
             "remote", "Block A", f"{n // 20 + 1}F", f"U{n:04d}"] for n in range(count)]


def workbook(gateways: Sequence[Sequence[Any]], meters: Sequence[Sequence[Any]]) -> bytes:
    """An .xlsx with the template's sheets and columns holding these rows."""
    spool = xlsx.write_workbook([
        xlsx.SheetSpec(layout.GATEWAYS, layout.names(layout.GATEWAYS), gateways),
        xlsx.SheetSpec(layout.METERS, layout.names(layout.METERS), meters),
    ])
    with spool:
        return spool.read()


def run(database_url: str, meters: int) -> float:
    """Seconds for one POST of the workbook (real import, not a dry run) on `database_url`."""
    from backoffice import create_app
    from backoffice.auth.accounts import issue_token, save_operator
    from shared_models.db import make_engine, make_session_factory, upgrade
    from shared_models.enums import Role
    from shared_models.registry import save_site

    upgrade(database_url)
    engine = make_engine(database_url)
    suffix = str(int(time.time()))
    with make_session_factory(engine)() as db:
        site = save_site(db, {"code": f"BENCH{suffix}", "name": "Benchmark site"})
        operator = save_operator(db, {"username": f"bench{suffix}", "password": "bench password 1",
                                      "role": Role.ADMIN, "all_sites": True, "site_ids": []})
        _token, raw = issue_token(db, operator.id, "bench", 1)
        db.commit()
        code = site.code
    engine.dispose()
    body = workbook([gateway_row(code)], meter_rows(code, meters, prefix=f"B{suffix}-"))
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "TESTING": True})
    client = app.test_client()
    started = time.perf_counter()
    response = client.post("/api/v1/workbooks/registry/import",
                           headers={"Authorization": f"Bearer {raw}"},
                           data={"file": (io.BytesIO(body), "registry.xlsx")})
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise SystemExit(f"import failed: {response.status_code} {response.get_data(as_text=True)}")
    print(f"created: {response.json['counts']}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL to use instead of a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        seconds = run(url, args.meters)
    print(f"workbook_import meters={args.meters} seconds={seconds:.2f}")


if __name__ == "__main__":
    main()
