"""Resolving a reconciliation break: each action is one new ledger transaction linked to the
break (or, for `accept`, a person's explanation and no money), and an entry in the system log.
Nothing already posted is changed.

- `credit` (paid at the gateway, not credited): the bill's payment applied to the order through
  `confirm.apply`, the one crediting path, exactly as a notify or a query would.
- `suspense` (any money break): the difference between the gateway's figure and our ledger's
  posted between the channel's clearing account and suspense, where a person clears it later.
  Credited but missing from the bill: the credit is reversed to suspense (冲正 to suspense).
- `accept` (any break): a note saying why nothing needs to move (a gateway query showed the
  payment, a meter was replaced...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import audit
from shared_models.errors import NotFound, RuleViolation
from shared_models.ledger.books import site_account
from shared_models.ledger.posting import post
from shared_models.ledger.rules import transfer
from shared_models.models import LedgerTransaction, PaymentOrder, PaymentRefund, Sale
from shared_models.models.ledger import AccountKind, TransactionKind
from shared_models.models.payments import PaymentEventKind, RefundState
from shared_models.models.reconciliation import BreakKind, BreakState, ReconciliationBreak
from shared_models.payments import confirm
from shared_models.payments.gateways.base import ChargeState
from shared_models.payments.reconciliation_sides import payment_key, refund_key
from shared_models.payments.rules import MONEY_TAKEN
from shared_models.types import utcnow

ACTIONS = ("credit", "suspense", "accept")
MONEY_KINDS = frozenset(BreakKind) - {BreakKind.PURCHASE_COUNT_MISMATCH}


@dataclass
class Resolution:
    brk: ReconciliationBreak
    command_ids: list[int] = field(default_factory=list)  # a credit's meter follow-up, to announce


def actions_for(brk: ReconciliationBreak) -> list[str]:
    """What can be done with a break in its state (nothing, once it is no longer open)."""
    if brk.state != BreakState.OPEN:
        return []
    found = []
    creditable = (brk.kind == BreakKind.PAID_NOT_CREDITED and brk.order is not None
                  and brk.order.state not in MONEY_TAKEN)
    if creditable:
        found.append("credit")
    # An order that may still be credited (by a late notify, the recovery cron, or `credit`), or
    # a refund still on its way (the cron sends it again until the gateway answers), is not also
    # moved to suspense: the same money would be counted twice.
    settling = brk.refund is not None and brk.refund.state in (RefundState.APPROVED, RefundState.PROCESSING)
    if brk.kind in MONEY_KINDS and brk.gateway_amount != brk.our_amount and not (creditable or settling):
        found.append("suspense")
    return [*found, "accept"]


def resolve(db: Session, break_id: int, action: str, *, operator_id: int | None, note: str = "",
            site_ids=None) -> Resolution:
    """Apply one of `actions_for(break)` under the break's row lock, once."""
    brk = db.get(ReconciliationBreak, break_id, with_for_update=True, populate_existing=True)
    if brk is None or (site_ids is not None and brk.site_id not in site_ids):
        raise NotFound("No such {what}.", what="reconciliation break")
    if action not in actions_for(brk):
        raise RuleViolation("This break is {state}; {action} is not one of its actions ({allowed}).",
                            field="action", state=brk.state.value, action=action,
                            allowed=", ".join(actions_for(brk)) or "none")
    note = note.strip()
    resolution = Resolution(brk)
    if action == "accept":
        if not note:
            raise RuleViolation("Say why the break can be accepted.", field="note")
        brk.state = BreakState.ACCEPTED
    elif action == "credit":
        brk.transaction_id, resolution.command_ids = _credit(db, brk)
        brk.state = BreakState.RESOLVED
    else:
        brk.transaction_id = _to_suspense(db, brk, operator_id, note).id
        brk.state = BreakState.RESOLVED
    brk.action, brk.note, brk.resolved_by_id, brk.resolved_at = action, note[:255], operator_id, utcnow()
    audit.record(db, f"reconciliation.{action}", "reconciliation_break", brk.id, after={
        "kind": brk.kind.value, "reference": brk.reference, "gateway_amount": brk.gateway_amount,
        "our_amount": brk.our_amount, "transaction_id": brk.transaction_id, "note": brk.note})
    db.flush()
    return resolution


def _credit(db: Session, brk: ReconciliationBreak) -> tuple[int, list[int]]:
    """The bill is the gateway's word that the order was paid: apply it as a verified report."""
    order = db.get(PaymentOrder, brk.order_id)
    report = confirm.Report(out_trade_no=order.out_trade_no, state=ChargeState.PAID,
                            trade_no=brk.trade_no, amount=brk.gateway_amount,
                            detail={"source": "reconciliation bill", "break_id": brk.id,
                                    "run_id": brk.run_id, "trade_no": brk.trade_no})
    outcome = confirm.apply(db, order.id, report, via=PaymentEventKind.QUERY, app_id="", merchant_id="")
    if not outcome.credited:
        raise RuleViolation("The order could not be credited ({reason}); move the money to suspense "
                            "or accept the break with a note.", field="action", reason=outcome.reason)
    sale = db.get(Sale, outcome.order.sale_id)
    return sale.transaction_id, outcome.command_ids


def _corrected(db: Session, brk: ReconciliationBreak) -> int | None:
    """The transaction the break is about: the payment's sale, or the refund's."""
    key = None
    if brk.refund_id is not None:
        refund = db.get(PaymentRefund, brk.refund_id)
        key = refund_key(brk.channel, refund.out_refund_no)
    elif brk.order_id is not None:
        order = db.get(PaymentOrder, brk.order_id)
        key = payment_key(brk.channel, order.trade_no) if order.trade_no else None
    if key is None:
        return None
    return db.scalar(select(LedgerTransaction.id).where(LedgerTransaction.site_id == brk.site_id,
                                                        LedgerTransaction.external_key == key))


def _to_suspense(db: Session, brk: ReconciliationBreak, operator_id: int | None,
                 note: str) -> LedgerTransaction:
    """Post the gateway's figure minus ours between clearing and suspense. Clearing runs
    negative by what the channel brought in, so money the gateway has and our ledger lacks
    leaves clearing into suspense, and money our ledger counted that the gateway never had
    comes back to clearing out of suspense."""
    difference: Decimal = brk.gateway_amount - brk.our_amount
    clearing = site_account(db, brk.site_id, AccountKind.CLEARING, brk.channel)
    suspense = site_account(db, brk.site_id, AccountKind.SUSPENSE)
    legs = (transfer(clearing.id, suspense.id, difference) if difference > 0
            else transfer(suspense.id, clearing.id, -difference))
    return post(db, site_id=brk.site_id, kind=TransactionKind.ADJUSTMENT, legs=legs,
                reason=f"reconciliation {brk.kind.value} {brk.reference}: {note}"[:255],
                operator_id=operator_id, external_key=f"reconciliation:break:{brk.id}",
                corrects_id=_corrected(db, brk))
