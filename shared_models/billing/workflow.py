"""A bill's life after pricing: reviewed, released (unbilled -> receivable, due date), settled
from prepayment oldest bill first, cancelled by a linked reversal, or written off with a
second person's approval. Every ledger movement carries a key made from the bill, so a
repeated request moves nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.billing.calculation import calculate, previous_balance
from shared_models.billing.periods import due_date
from shared_models.errors import Conflict, RuleViolation
from shared_models.ledger.books import lock_account, site_account
from shared_models.ledger.posting import post
from shared_models.ledger.postpaid import receivable_of, unbilled_of
from shared_models.ledger.rules import Leg, transfer
from shared_models.models import LedgerAccount, LedgerTransaction, Site, TenantAccount
from shared_models.models.billing import Bill, BillState
from shared_models.models.ledger import AccountKind, TransactionKind
from shared_models.registry import get
from shared_models.settlement.batch import Run
from shared_models.types import utcnow

ZERO = Decimal("0.00")
OWING = (BillState.RELEASED, BillState.PARTIALLY_SETTLED)


def _bill(db: Session, bill_id: int, *states: BillState) -> Bill:
    bill = get(db, Bill, bill_id, lock=True)
    if states and bill.state not in states:
        raise Conflict("The bill is {state}.", state=bill.state.value)
    return bill


def recalculate(db: Session, bill_id: int, *, now: datetime | None = None) -> Bill:
    """Price a calculated or reviewed bill again (after its readings or tariff were fixed)."""
    bill = _bill(db, bill_id, BillState.CALCULATED, BillState.REVIEWED)
    return calculate(db, Run(db, now or utcnow()), bill)


def review(db: Session, bill_id: int, operator_id: int, note: str = "") -> Bill:
    """Mark a calculated bill reviewed; a flagged one only with a note saying why its flags
    are accepted (the person and the note are kept on the bill and in the system log)."""
    bill = _bill(db, bill_id, BillState.CALCULATED)
    if bill.flags and not note.strip():
        raise RuleViolation("A flagged bill is accepted with a note, or recalculated.", field="note")
    if bill.flags:
        bill.accepted_by_id = operator_id
    bill.review_note, bill.reviewed_by_id, bill.state = note.strip()[:255], operator_id, BillState.REVIEWED
    db.flush()
    return bill


def review_clean(db: Session, run_id: int, operator_id: int) -> list[int]:
    """Review every calculated bill of the run that has no flags; their ids."""
    ids = list(db.scalars(select(Bill.id).where(Bill.run_id == run_id, Bill.state == BillState.CALCULATED,
                                                Bill.flags == "").order_by(Bill.id)))
    for bill_id in ids:
        review(db, bill_id, operator_id)
    return ids


def release(db: Session, bill_id: int, operator_id: int | None, *, now: datetime | None = None) -> Bill:
    """Make a reviewed bill a receivable with a due date, then settle what prepayment covers.

    One transaction moves the period's booked energy from unbilled to receivable and raises
    the fixed charge (and any adjustment) from receivable to revenue."""
    now = now or utcnow()
    bill = _bill(db, bill_id, BillState.REVIEWED)
    account, wallet = lock_account(db, bill.account_id)
    site = db.get(Site, bill.site_id)
    receivable = receivable_of(db, account)
    legs = [Leg(receivable.id, -bill.charges)]
    if bill.energy_amount:
        legs.append(Leg(unbilled_of(db, account).id, bill.energy_amount))
    other = bill.charges - bill.energy_amount
    if other:
        legs.append(Leg(site_account(db, site.id, AccountKind.ENERGY_REVENUE).id, other))
    if bill.charges:
        txn = post(db, site_id=site.id, kind=TransactionKind.TRANSFER, legs=legs,
                   reason=f"bill {bill.number} released", operator_id=operator_id,
                   external_key=f"bill:{bill.id}:release")
        bill.release_transaction_id = txn.id
    bill.released_at, bill.due_date = now, due_date(now, site.bill_due_days, site.timezone)
    bill.state = BillState.RELEASED if bill.charges > 0 else BillState.SETTLED
    db.flush()
    settle_from_prepayment(db, account, wallet, operator_id)
    bill.previous_balance = previous_balance(db, bill)  # as it stands once prepayment is applied
    db.flush()
    return bill


def settle_from_prepayment(db: Session, account: TenantAccount, wallet: LedgerAccount,
                           operator_id: int | None) -> Decimal:
    """Settle the account's released bills from its wallet (电费预存), oldest first, as far
    as it goes; the amount moved. The caller holds the account locked (`lock_account`)."""
    moved = ZERO
    bills = db.scalars(select(Bill).where(Bill.account_id == account.id, Bill.state.in_(OWING))
                       .order_by(Bill.period_end, Bill.id).with_for_update())
    receivable = None
    for bill in bills:
        amount = min(wallet.balance, bill.amount_due)
        if amount <= 0:
            break
        receivable = receivable or receivable_of(db, account)
        post(db, site_id=account.site_id, kind=TransactionKind.TRANSFER,
             legs=transfer(wallet.id, receivable.id, amount), operator_id=operator_id,
             reason=f"bill {bill.number} paid from prepayment", locked=[wallet],
             external_key=f"bill:{bill.id}:prepaid:{bill.payments}")
        bill.payments += amount
        bill.state = BillState.SETTLED if bill.amount_due == 0 else BillState.PARTIALLY_SETTLED
        moved += amount
    db.flush()
    return moved


def cancel(db: Session, bill_id: int, operator_id: int, reason: str, *,
           now: datetime | None = None) -> Bill:
    """Cancel a bill (冲正). A released one is undone by a reversal linked to its release, and
    only while nothing was paid on it; its energy goes back to unbilled, for a new bill."""
    if not reason.strip():
        raise RuleViolation("Say why the bill is cancelled.", field="reason")
    bill = _bill(db, bill_id, BillState.CALCULATED, BillState.REVIEWED, BillState.RELEASED)
    if bill.payments:
        raise RuleViolation("Money was paid on this bill; refund or move it first.", field="bill_id")
    if bill.release_transaction_id is not None:
        original = db.get(LedgerTransaction, bill.release_transaction_id)
        post(db, site_id=bill.site_id, kind=TransactionKind.REVERSAL,
             legs=[Leg(p.account_id, -p.amount) for p in original.postings],
             reason=f"bill {bill.number} cancelled: {reason.strip()}"[:255], operator_id=operator_id,
             external_key=f"bill:{bill.id}:cancel", corrects_id=original.id)
    _close(bill, BillState.CANCELLED, operator_id, reason, now)
    db.flush()
    return bill


def request_write_off(db: Session, bill_id: int, operator_id: int, reason: str) -> Bill:
    """Ask for what is owed on a released bill to be written off (核销); a second person approves."""
    if not reason.strip():
        raise RuleViolation("Say why the bill is written off.", field="reason")
    bill = _bill(db, bill_id, *OWING)
    bill.write_off_requested_by_id, bill.closing_reason = operator_id, reason.strip()[:255]
    db.flush()
    return bill


def approve_write_off(db: Session, bill_id: int, operator_id: int, *, now: datetime | None = None) -> Bill:
    """The second person's approval: what is owed leaves the receivable against revenue."""
    bill = _bill(db, bill_id, *OWING)
    if bill.write_off_requested_by_id is None:
        raise Conflict("No write-off was asked for this bill.")
    if bill.write_off_requested_by_id == operator_id:
        raise RuleViolation("A write-off is approved by someone other than who asked for it.",
                            field="operator_id")
    account = db.get(TenantAccount, bill.account_id)
    owed = bill.amount_due
    post(db, site_id=bill.site_id, kind=TransactionKind.ADJUSTMENT,
         legs=transfer(site_account(db, bill.site_id, AccountKind.ENERGY_REVENUE).id,
                       receivable_of(db, account).id, owed),
         reason=f"bill {bill.number} written off: {bill.closing_reason}"[:255], operator_id=operator_id,
         external_key=f"bill:{bill.id}:write_off")
    _close(bill, BillState.WRITTEN_OFF, operator_id, bill.closing_reason, now)
    db.flush()
    return bill


def _close(bill: Bill, state: BillState, operator_id: int, reason: str, now: datetime | None) -> None:
    bill.state, bill.closed_by_id, bill.closed_at = state, operator_id, now or utcnow()
    bill.closing_reason = reason.strip()[:255]
