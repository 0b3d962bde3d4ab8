"""Daily three-way reconciliation of a site's channel: the gateway's bill, our orders and
refunds, and the clearing account's postings; and the local meters' purchase counts.

The bill is fetched with no transaction open (a gateway is never called inside one), stored
as it came with its SHA-256, parsed (each parser checks the file's own totals), matched by the
pure rules of `matching.py`, and what disagrees goes to the break queue. Made again for the same
day, a run keeps every break it found before (resolved ones untouched), adds only new ones, and
marks open ones it no longer finds as cleared. Items paid close to midnight and missing from
their day's bill are held for the next day's run instead of becoming breaks at once.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shared_models import audit
from shared_models.errors import NotFound
from shared_models.models import Site
from shared_models.models.ledger import Channel
from shared_models.models.reconciliation import (
    BreakState,
    HoldState,
    ReconciliationBreak,
    ReconciliationHold,
    ReconciliationRun,
    RunState,
)
from shared_models.payments import bills, matching
from shared_models.payments import reconciliation_sides as sides
from shared_models.payments.gateways.base import Gateway, GatewayRefused, GatewayUnavailable
from shared_models.types import utcnow

log = logging.getLogger(__name__)

HOLD = timedelta(minutes=30)
METERS = "meters"
# WeChat Pay answers a day without a single row with this refusal instead of an empty file.
NO_BILL_CODES = frozenset({"NO_STATEMENT_EXIST"})


def _run(db: Session, site_id: int, scope: str, day: date, *, lock: bool = False) -> ReconciliationRun | None:
    stmt = select(ReconciliationRun).where(ReconciliationRun.site_id == site_id,
                                           ReconciliationRun.scope == scope, ReconciliationRun.day == day)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.scalar(stmt)


def _open_run(sessions: sessionmaker[Session], site_id: int, scope: str, day: date,
              started_by: str) -> int:
    """The run row of (site, scope, day), made if new; committed before the gateway is asked."""
    with sessions() as db:
        if db.get(Site, site_id) is None:
            raise NotFound("No such {what}.", field="site_id", what="site")
        run = _run(db, site_id, scope, day)
        if run is None:
            run = ReconciliationRun(site_id=site_id, scope=scope, day=day, started_by=started_by[:64],
                                    channel=None if scope == METERS else Channel(scope))
            try:
                with db.begin_nested():
                    db.add(run)
            except IntegrityError:  # made meanwhile by another run of the same day
                run = _run(db, site_id, scope, day)
        run.state, run.started_by, run.failure = RunState.RUNNING, started_by[:64], ""
        db.commit()
        return run.id


def _fail(sessions: sessionmaker[Session], run_id: int, reason: str, content: bytes | None = None) -> int:
    with sessions() as db:
        run = db.get(ReconciliationRun, run_id, with_for_update=True)
        run.state, run.failure, run.finished_at = RunState.FAILED, reason, utcnow()
        if content is not None:
            _keep_bill(run, content)
        audit.record(db, "reconciliation.failed", "reconciliation_run", run.id,
                     after={"site_id": run.site_id, "scope": run.scope, "day": run.day, "reason": reason})
        db.commit()
    log.warning("reconciliation run %s failed: %s", run_id, reason)
    return run_id


def _keep_bill(run: ReconciliationRun, content: bytes) -> None:
    run.bill, run.bill_sha256, run.fetched_at = content, hashlib.sha256(content).hexdigest(), utcnow()


def run_day(sessions: sessionmaker[Session], site_id: int, channel: Channel | str, day: date, *,
            gateway: Gateway | None = None, upload: bytes | None = None, started_by: str = "",
            hold: timedelta = HOLD) -> int:
    """Reconcile one channel of a site for one business day; returns the run's id (its state
    says whether a bill could be used). The bill comes from `upload` or else `gateway.bill(day)`."""
    channel = Channel(channel)
    run_id = _open_run(sessions, site_id, channel.value, day, started_by)
    content = upload
    if content is None:
        if gateway is None:
            return _fail(sessions, run_id, f"{channel.value} is not configured for this site")
        try:
            content = gateway.bill(day)
        except GatewayRefused as refused:
            if refused.code not in NO_BILL_CODES:
                return _fail(sessions, run_id, f"the gateway refused the bill: {refused}")
            content = b""
        except GatewayUnavailable as error:
            return _fail(sessions, run_id, f"no bill from the gateway: {error}")
    try:
        bill = bills.parse(channel.value, content) if content else None
    except bills.BillError as error:
        return _fail(sessions, run_id, f"unusable bill: {error}", content)
    with sessions() as db:
        run = _match(db, run_id, channel, bill, content, hold, source="uploaded" if upload else "fetched")
        db.commit()
        return run.id


def _match(db: Session, run_id: int, channel: Channel, bill: bills.Bill | None, content: bytes,
           hold: timedelta, *, source: str) -> ReconciliationRun:
    run = db.get(ReconciliationRun, run_id, with_for_update=True, populate_existing=True)
    site = db.get(Site, run.site_id)
    day = sides.window(site.timezone, run.day, hold)
    rows = sides.site_rows(db, site.id, channel, bill.rows if bill else [])
    previous = _run(db, site.id, channel.value, run.day - timedelta(days=1))
    carried = _carried(db, previous)
    ours = sides.payments(db, site.id, channel, day, rows,
                          {h.order_id for h in carried.values() if h.refund_id is None})
    refunds = sides.refunds(db, site.id, channel, day, rows,
                            {h.refund_id for h in carried.values() if h.refund_id is not None})
    result = matching.match(rows, ours, refunds, day, billed_before=_billed(db, site.id, channel, previous))
    _keep_bill(run, content)
    run.source = source
    summary = bills.BillSummary.of(rows)
    run.bill_payments, run.bill_refunds = summary.payments, summary.refunds
    run.bill_paid, run.bill_refunded, run.bill_fees = summary.paid, summary.refunded, summary.fees
    mine = [p for p in ours if p.posted is not None and p.paid_at in day]
    gone = [r for r in refunds if r.posted is not None and r.completed_at in day]
    run.our_payments, run.our_paid = len(mine), sum((p.posted for p in mine), matching.ZERO)
    run.our_refunds, run.our_refunded = len(gone), sum((r.posted for r in gone), matching.ZERO)
    run.matched = len(result.matched)
    _settle_carried(carried, result, run.id)
    run.held = _store_holds(db, run, result.holds)
    run.breaks = _store_breaks(db, run, result.breaks)
    return _finish(db, run)


def run_meters(sessions: sessionmaker[Session], site_id: int, day: date, *, started_by: str = "",
               hold: timedelta = HOLD) -> int:
    """Compare the day's recharge pushes to local-mode meters with the purchase counts the
    meters read back (本地费控); a run of scope "meters" holds what disagrees."""
    run_id = _open_run(sessions, site_id, METERS, day, started_by)
    with sessions() as db:
        run = db.get(ReconciliationRun, run_id, with_for_update=True, populate_existing=True)
        site = db.get(Site, run.site_id)
        meters = sides.meter_pushes(db, site.id, sides.window(site.timezone, day, hold))
        findings = matching.purchase_counts(meters)
        run.source, run.matched = "meters", len(meters) - len(findings)
        run.breaks = _store_breaks(db, run, findings)
        _finish(db, run)
        db.commit()
        return run_id


def _finish(db: Session, run: ReconciliationRun) -> ReconciliationRun:
    run.state, run.finished_at = RunState.DONE, utcnow()
    audit.record(db, "reconciliation.run", "reconciliation_run", run.id, after={
        "site_id": run.site_id, "scope": run.scope, "day": run.day, "source": run.source,
        "bill_sha256": run.bill_sha256, "matched": run.matched, "held": run.held, "breaks": run.breaks})
    db.flush()
    return run


def _carried(db: Session, previous: ReconciliationRun | None) -> dict[str, ReconciliationHold]:
    """The previous day's holding pool, still waiting (or settled by an earlier run of today)."""
    if previous is None:
        return {}
    holds = db.scalars(select(ReconciliationHold).where(ReconciliationHold.run_id == previous.id)
                       .with_for_update()).all()
    return {hold.reference: hold for hold in holds}


def _settle_carried(carried: dict[str, ReconciliationHold], result: matching.Result, run_id: int) -> None:
    for reference, hold in carried.items():
        if reference in result.broken:
            hold.state, hold.settled_run_id = HoldState.BROKEN, run_id
        elif reference in result.released or reference in result.matched:
            hold.state, hold.settled_run_id = HoldState.RELEASED, run_id


def _billed(db: Session, site_id: int, channel: Channel,
            previous: ReconciliationRun | None) -> frozenset[str]:
    """What the previous day's stored bill carried, as references (for items paid at midnight)."""
    if previous is None or not previous.bill or previous.state != RunState.DONE:
        return frozenset()
    try:
        rows = bills.parse(channel.value, previous.bill).rows
    except bills.BillError:
        return frozenset()
    kept = sides.site_rows(db, site_id, channel, rows)
    return frozenset(f"payment:{r.out_trade_no or r.trade_no}" if r.kind == "payment"
                     else f"refund:{r.refund_no or r.trade_no}" for r in kept)


def _store_holds(db: Session, run: ReconciliationRun, holds: list[matching.Hold]) -> int:
    existing = {h.reference: h for h in db.scalars(
        select(ReconciliationHold).where(ReconciliationHold.run_id == run.id))}
    for hold in holds:
        if hold.reference not in existing:
            db.add(ReconciliationHold(run_id=run.id, reference=hold.reference, order_id=hold.order_id,
                                      refund_id=hold.refund_id, amount=hold.amount))
    # Held before and now in the bill after all (a re-run with a later file): no longer held.
    for reference, row in existing.items():
        if reference not in {h.reference for h in holds} and row.state == HoldState.HELD:
            row.state, row.settled_run_id = HoldState.RELEASED, run.id
    return len(holds)


def _store_breaks(db: Session, run: ReconciliationRun, findings: list[matching.Finding]) -> int:
    """Add the findings not stored yet; open breaks no longer found are cleared. Returns how
    many breaks the run now stands by."""
    existing = {(b.kind, b.reference): b for b in db.scalars(
        select(ReconciliationBreak).where(ReconciliationBreak.run_id == run.id))}
    found = {(f.kind, f.reference) for f in findings}
    for finding in findings:
        stored = existing.get((finding.kind, finding.reference))
        if stored is not None:
            if stored.state == BreakState.CLEARED:  # gone on a re-run, back on this one
                stored.state, stored.resolved_at, stored.note = BreakState.OPEN, None, ""
            continue
        db.add(ReconciliationBreak(
            run_id=run.id, site_id=run.site_id, channel=run.channel, kind=finding.kind,
            reference=finding.reference[:128], order_id=finding.order_id, refund_id=finding.refund_id,
            meter_id=finding.meter_id, out_trade_no=finding.out_trade_no, trade_no=finding.trade_no,
            gateway_amount=finding.gateway_amount, our_amount=finding.our_amount,
            detail=finding.detail[:255]))
    for key, row in existing.items():
        if key not in found and row.state == BreakState.OPEN:
            row.state, row.resolved_at = BreakState.CLEARED, utcnow()
            row.note = "no longer found when the day was reconciled again"
    db.flush()
    return len(found)


def yesterday(timezone: str, now: datetime | None = None) -> date:
    """The business day before today in the given time zone."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date() - timedelta(days=1)
