"""A bill run killed part way (SIGKILL, a real process) and run again makes each bill once.

The run is the `bills run` command in a process of its own on a database of the test's own.
The test holds one draft bill's row lock, so the process prices and commits the drafts before
it and then waits on that one: it is killed there, mid-run, with a transaction open. Run again
(after the lock is let go), it prices only what is still a draft.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from backoffice.auth.accounts import save_operator
from shared_models.billing.runs import make_drafts, open_run
from shared_models.db import make_engine, make_session_factory
from shared_models.enums import Role
from shared_models.models.billing import Bill, BillState
from shared_models.registry import save_gateway, save_site
from tests.billing.kit import BillingKit, cutoff_after
from tests.settlement_kit import local

pytestmark = pytest.mark.slow  # a real process killed mid-run and started again

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 24
HELD = 10  # the position of the draft whose row lock the test holds


@pytest.fixture
def billed_site(new_database):
    """A database of its own with a site of postpaid accounts read for a month, and the run's
    drafts made (the steps before the one killed)."""
    url = new_database(postgres=True)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as db:
        site = save_site(db, {"code": "BILLKILL", "name": "Bill run kill", "default_price": Decimal("0.6")})
        bus = save_gateway(db, {"site_id": site.id, "name": "GW", "host": "127.0.0.1", "port": 10502,
                                "bus_count": 1}).buses[0]
        operator = save_operator(db, {"username": "billing", "password": "correct horse battery",
                                      "role": Role.ADMIN, "all_sites": True})
        kit = BillingKit(db, site, bus, operator)
        start = local(kit.day(), 1)
        for n in range(ACCOUNTS):
            meter = kit.meter()
            kit.postpaid(meter)
            kit.half_hours(meter, start, ["100.00", f"{101 + n}.00"])
        cutoff = cutoff_after(kit.day())
        run = open_run(db, site.id, cutoff)
        make_drafts(db, run)
        db.commit()
        site_id, run_id = site.id, run.id
    yield url, sessions, engine, site_id, run_id, cutoff
    engine.dispose()


def _run_command(url: str, redis_url: str, site_id: int, cutoff, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "SECRET_KEY": "kill-test"}
    with log.open("a") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "backoffice", "bills", "run",
                                 "--site", str(site_id), "--cutoff", cutoff.isoformat(), "--chunk", "1"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _count(sessions, run_id: int, state: BillState) -> int:
    with sessions() as db:
        return db.scalar(select(func.count()).select_from(Bill).where(Bill.run_id == run_id,
                                                                      Bill.state == state))


def test_a_run_killed_part_way_and_run_again_makes_each_bill_once(billed_site, redis_url, tmp_path):
    url, sessions, engine, site_id, run_id, cutoff = billed_site
    with sessions() as db:
        ids = list(db.scalars(select(Bill.id).where(Bill.run_id == run_id).order_by(Bill.id)))
    assert len(ids) == ACCOUNTS
    holder = engine.connect()
    holder.begin()
    holder.execute(text("SELECT id FROM bills WHERE id = :id FOR UPDATE"), {"id": ids[HELD]})
    process = _run_command(url, redis_url, site_id, cutoff, tmp_path / "run.log")
    deadline = time.monotonic() + 60
    while _count(sessions, run_id, BillState.CALCULATED) < HELD:
        assert process.poll() is None, (tmp_path / "run.log").read_text()
        assert time.monotonic() < deadline, "the run never reached the held bill"
        time.sleep(0.05)
    time.sleep(0.3)  # waiting on the lock, its transaction open
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    holder.rollback()
    holder.close()
    assert _count(sessions, run_id, BillState.CALCULATED) == HELD
    with sessions() as db:
        before = {b.id: (b.energy_amount, [line.id for line in b.lines])
                  for b in db.scalars(select(Bill).where(Bill.run_id == run_id,
                                                         Bill.state == BillState.CALCULATED))}

    again = _run_command(url, redis_url, site_id, cutoff, tmp_path / "run.log")
    assert again.wait(timeout=120) == 0, (tmp_path / "run.log").read_text()

    with sessions() as db:
        bills = list(db.scalars(select(Bill).where(Bill.site_id == site_id).order_by(Bill.id)))
        assert [b.id for b in bills] == ids  # no second bill for any account
        assert len({b.account_id for b in bills}) == ACCOUNTS
        assert {b.state for b in bills} == {BillState.CALCULATED}
        assert sorted(b.energy_amount for b in bills) == [Decimal(n + 1) * Decimal("0.60")
                                                           for n in range(ACCOUNTS)]
        for bill in bills:  # the bills priced before the kill were not priced again
            if bill.id in before:
                assert (bill.energy_amount, [line.id for line in bill.lines]) == before[bill.id]
