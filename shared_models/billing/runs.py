"""The bill run: one per site and cut-off, one bill per postpaid account, each made once.

Steps, each idempotent, so a run killed anywhere and started again finishes the same way:
1. the run row (unique per site and period end);
2. a draft bill per postpaid account of the site, all in one insert that skips the accounts
   that already have one (unique per run and account);
3. each draft priced (`calculation.calculate`) under its row lock and committed in chunks;
   a draft is picked only while still a draft, so none is priced twice.
Nothing here moves money: the ledger is written at release (`workflow`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared_models.billing.calculation import calculate
from shared_models.billing.periods import period_ending
from shared_models.models import Site, TenantAccount
from shared_models.models.accounts import AccountStatus, BillingMode
from shared_models.models.billing import Bill, BillRun, BillState
from shared_models.registry import get
from shared_models.settlement.batch import Run
from shared_models.types import utcnow


def _insert(db: Session, table):
    return (postgresql if db.get_bind().dialect.name == "postgresql" else sqlite).insert(table)


def open_run(db: Session, site_id: int, cutoff: date, *, operator_id: int | None = None) -> BillRun:
    """The site's run for the period ending at `cutoff`, made if new."""
    site = get(db, Site, site_id, field="site_id")
    period = period_ending(cutoff, site.bill_cutoff_day, site.timezone)
    db.execute(_insert(db, BillRun.__table__).values(
        site_id=site.id, period_start=period.start, period_end=period.end, label=period.label,
        started_at=utcnow(), operator_id=operator_id).on_conflict_do_nothing())
    return db.scalars(select(BillRun).where(BillRun.site_id == site.id,
                                            BillRun.period_end == period.end)).one()


def make_drafts(db: Session, run: BillRun) -> int:
    """A draft bill for every open postpaid account of the site without one in this run; the
    number made."""
    accounts = db.execute(select(TenantAccount.id, TenantAccount.number).where(
        TenantAccount.site_id == run.site_id, TenantAccount.status == AccountStatus.OPEN,
        TenantAccount.billing_mode == BillingMode.POSTPAID, TenantAccount.opened_at < run.period_end)
        .order_by(TenantAccount.id)).all()
    if not accounts:
        return 0
    now = utcnow()
    rows = [{"run_id": run.id, "site_id": run.site_id, "account_id": account_id,
             "number": f"{run.label}/{number}", "state": BillState.DRAFT.value,
             "period_start": run.period_start, "period_end": run.period_end, "created_at": now}
            for account_id, number in accounts]
    made = 0
    for start in range(0, len(rows), 1000):
        result = db.execute(_insert(db, Bill.__table__).on_conflict_do_nothing()
                            .returning(Bill.__table__.c.id), rows[start:start + 1000])
        made += len(result.all())
    return made


def calculate_drafts(db: Session, run: BillRun, *, limit: int, now: datetime | None = None) -> int:
    """Price up to `limit` of the run's drafts, each locked; the number priced. A draft another
    process holds is waited for, then seen priced and left alone."""
    ids = list(db.scalars(select(Bill.id).where(Bill.run_id == run.id, Bill.state == BillState.DRAFT)
                          .order_by(Bill.id).limit(limit)))
    pricing = Run(db, now or utcnow())
    priced = 0
    for bill_id in ids:
        bill = db.scalars(select(Bill).where(Bill.id == bill_id).with_for_update()
                          .execution_options(populate_existing=True)).one()
        if bill.state != BillState.DRAFT:
            continue
        calculate(db, pricing, bill)
        priced += 1
    return priced


def bill_run(session_factory: Callable[[], Session], site_id: int, cutoff: date, *,
             operator_id: int | None = None, chunk: int = 50) -> int:
    """Run the site's bills for the cut-off to the end, committing each step and each chunk
    of priced drafts (the boundary: a CLI command or a job). Returns the run's id."""
    with session_factory() as db:
        run_id = open_run(db, site_id, cutoff, operator_id=operator_id).id
        db.commit()
    with session_factory() as db:
        make_drafts(db, db.get(BillRun, run_id))
        db.commit()
    while True:
        with session_factory() as db:
            priced = calculate_drafts(db, db.get(BillRun, run_id), limit=chunk)
            db.commit()
        if not priced:
            break
    with session_factory() as db:
        run = db.get(BillRun, run_id)
        if run.finished_at is None:
            run.finished_at = utcnow()
        db.commit()
    return run_id
