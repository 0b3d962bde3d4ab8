"""Counter sales: recharge (售电), refund (退电) with approval, reversal (冲正), receipts."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached

from shared_models import audit, settlement
from shared_models.errors import NotFound, RuleViolation
from shared_models.ledger.books import LOCK_ACCOUNT, lock_account, locked_pair, site_account
from shared_models.ledger.posting import post
from shared_models.ledger.rules import check_credit_cap, transfer
from shared_models.metering import balances
from shared_models.models import LedgerAccount, LedgerTransaction, Posting, Sale, Shift, Site, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.models.ledger import COUNTER_CHANNELS, AccountKind, Channel, TransactionKind
from shared_models.models.sales import SaleKind, SaleStatus
from shared_models.money import money
from shared_models.notifications import sms
from shared_models.sales import counters, shifts
from shared_models.types import utcnow

# A completed sale is one Core INSERT built once (`counters.insert_numbered`): the ORM's unit of
# work, or even building the statement per sale, costs more than the row.
_SALES = Sale.__table__


def _positive(amount: Decimal) -> Decimal:
    amount = money(amount)
    if amount <= 0:
        raise RuleViolation("The amount must be greater than zero.", field="amount")
    return amount


def _counter_channel(channel: Channel) -> Channel:
    if Channel(channel) not in COUNTER_CHANNELS:
        raise RuleViolation("The counter takes cash, bank card or transfer.", field="channel")
    return Channel(channel)


def _complete(db: Session, sale: Sale) -> Sale:
    sale.receipt_number = counters.next_value(db, sale.site_id, "receipt")
    sale.status, sale.completed_at = SaleStatus.COMPLETED, utcnow()
    db.flush()
    return sale


def _new_sale(db: Session, *, completed: bool, **values) -> Sale:
    """A sale document; a completed one takes the next receipt number of its site."""
    if completed:
        values.update(status=SaleStatus.COMPLETED, completed_at=utcnow(),
                      receipt_number=counters.next_value(db, values["site_id"], "receipt"))
    sale = Sale(status=values.pop("status", SaleStatus.PENDING), **values)
    db.add(sale)
    db.flush()
    return sale


def _insert_completed(db: Session, **values) -> Sale:
    """A completed sale written with one INSERT that also takes its site's next receipt number
    (nothing else in the unit of work), held in the session as loaded, for the caller to
    answer with."""
    now = utcnow()
    values.update(status=SaleStatus.COMPLETED, created_at=now, completed_at=now, reprint_count=0,
                  settled_transaction_id=None, approved_by_id=None, reverses_id=None)
    values["id"], values["receipt_number"] = counters.insert_numbered(
        db, _SALES, values, site_id=values["site_id"], name="receipt", column="receipt_number")
    sale = Sale(**values)
    make_transient_to_detached(sale)
    db.add(sale)
    return sale


def _get_sale(db: Session, sale_id: int, *, lock: bool = False) -> Sale:
    stmt = select(Sale).where(Sale.id == sale_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    sale = db.scalar(stmt)
    if sale is None:
        raise NotFound("No such {what}.", what="sale")
    return sale


def open_account(db: Session, account_id: int, *, site_ids: Collection[int] | None = None,
                 field: str | None = None) -> tuple[TenantAccount, LedgerAccount]:
    """The account to credit and its wallet, locked (the only read of either): an account
    outside `site_ids` (the caller's sites; None for all) is refused as one that does not
    exist, and a closed account is refused."""
    account, wallet = lock_account(db, account_id, field=field)
    return _checked(account, site_ids, field), wallet


def _checked(account: TenantAccount, site_ids: Collection[int] | None, field: str | None) -> TenantAccount:
    if site_ids is not None and account.site_id not in site_ids:
        raise NotFound("No such {what}.", field=field, what="account")
    if account.status != AccountStatus.OPEN:
        raise RuleViolation("The account is closed.")
    return account


# `lock_account`'s statement, with the id of the seller's open shift at the account's site
# (parameter s_operator): a counter sale reads both in one round trip.
_LOCK_WITH_SHIFT = LOCK_ACCOUNT.add_columns(
    select(Shift.id).where(Shift.operator_id == bindparam("s_operator"),
                           Shift.site_id == TenantAccount.site_id, Shift.closed_at.is_(None))
    .scalar_subquery())


def credit(db: Session, account: TenantAccount, wallet: LedgerAccount, *, amount: Decimal,
           channel: Channel, operator_id: int, shift_id: int, external_key: str | None,
           reason: str = "", ledger_reason: str) -> Sale:
    """Money has arrived for an open account (from `open_account`): the one way a wallet is
    credited, whatever the channel and however it proved the money came (ARCHITECTURE.md,
    "Money enters one way"). Within the site's stored-credit cap: one ledger transaction from
    the channel's clearing account under the unique external key, the meter follow-up, the
    sale with the site's next receipt number, and the tenant's confirmation SMS."""
    site = db.get(Site, account.site_id)  # usually in the session: loaded with the caller
    check_credit_cap(wallet.balance, amount, account.credit_cap_within(site.credit_cap))
    clearing = site_account(db, site.id, AccountKind.CLEARING, channel)
    txn = post(db, site_id=site.id, kind=TransactionKind.SALE,
               legs=transfer(clearing.id, wallet.id, amount), reason=ledger_reason,
               operator_id=operator_id, external_key=external_key, locked=(wallet,))
    credited = settlement.after_credit(db, account.id)  # push to a local meter; close a tripped relay
    balance_after = balances.account_money(db, account, credited.local_states).total
    # The site's receipt counter row stays locked from here to commit (numbers are gapless),
    # so it is taken as late as possible: only the sale and its SMS are written after it.
    sale = _insert_completed(db, site_id=site.id, account_id=account.id, kind=SaleKind.RECHARGE,
                             channel=channel, amount=amount, reason=reason,
                             operator_id=operator_id, shift_id=shift_id, transaction_id=txn.id,
                             balance_after=balance_after)
    sale.command_ids = credited.command_ids  # queued by the follow-up: the caller announces them after commit
    sms.notify_sale(db, sale)  # the tenant's confirmation SMS, queued in this transaction
    return sale


def recharge(db: Session, *, account_id: int, amount: Decimal, channel: Channel, operator_id: int,
             external_key: str | None = None, reason: str = "",
             site_ids: Collection[int] | None = None, field: str | None = None) -> Sale:
    """Sell credit over the counter: the proof is the operator's open shift at the account's
    site and the money in the till. `site_ids` and `field` as in `open_account`."""
    amount, channel = _positive(amount), _counter_channel(channel)
    row = db.execute(_LOCK_WITH_SHIFT, {"a_id": account_id, "s_operator": operator_id}).one_or_none()
    account, wallet = locked_pair(row, field)
    _checked(account, site_ids, field)
    shift_id = row[2] if row[2] is not None else shifts.current(db, operator_id, account.site_id).id
    return credit(db, account, wallet, amount=amount, channel=channel, operator_id=operator_id,
                  shift_id=shift_id, external_key=external_key, reason=reason,
                  ledger_reason=reason or "counter sale")


def refund(db: Session, *, account_id: int, amount: Decimal, channel: Channel, operator_id: int,
           external_key: str | None = None, reason: str = "") -> Sale:
    """Pay back unconsumed credit. Above the site's threshold the money is held in refunds
    payable and the refund waits for a second operator's approval."""
    amount, channel = _positive(amount), _counter_channel(channel)
    account, wallet = lock_account(db, account_id)  # a closed account may still pay money back
    site = db.get(Site, account.site_id)
    shift = shifts.current(db, operator_id, site.id)
    clearing = site_account(db, site.id, AccountKind.CLEARING, channel)
    payable = site_account(db, site.id, AccountKind.REFUNDS_PAYABLE)
    if amount > wallet.balance:
        raise RuleViolation("Only {balance} is left to refund.", field="amount",
                            balance=max(wallet.balance, Decimal("0.00")))
    needs_approval = amount > site.refund_approval_threshold
    txn = post(db, site_id=site.id, kind=TransactionKind.REFUND,
               legs=transfer(wallet.id, payable.id if needs_approval else clearing.id, amount),
               reason=reason or ("refund awaiting approval" if needs_approval else "refund"),
               operator_id=operator_id, external_key=external_key, locked=(wallet,))
    return _new_sale(db, completed=not needs_approval, site_id=site.id, account_id=account.id,
                     kind=SaleKind.REFUND, channel=channel, amount=amount, reason=reason,
                     operator_id=operator_id, shift_id=shift.id, transaction_id=txn.id,
                     balance_after=wallet.balance)


def refund_through_gateway(db: Session, account: TenantAccount, wallet: LedgerAccount, *,
                           amount: Decimal, channel: Channel, operator_id: int,
                           approved_by_id: int | None, external_key: str, reason: str = "") -> Sale:
    """Money an online payment brought in went back to the payer: its gateway confirmed the
    refund. One ledger transaction from the (locked) wallet to the channel's clearing account,
    and the completed refund document with its receipt. The wallet may end below zero: the
    money has already left, and the arrears rules take it from there."""
    site = db.get(Site, account.site_id)
    clearing = site_account(db, site.id, AccountKind.CLEARING, channel)
    txn = post(db, site_id=site.id, kind=TransactionKind.REFUND,
               legs=transfer(wallet.id, clearing.id, amount),
               reason=reason or f"{channel.value} refund", operator_id=operator_id,
               external_key=external_key, locked=(wallet,))
    return _new_sale(db, completed=True, site_id=site.id, account_id=account.id,
                     kind=SaleKind.REFUND, channel=channel, amount=amount, reason=reason,
                     operator_id=operator_id,
                     shift_id=None, approved_by_id=approved_by_id, transaction_id=txn.id,
                     balance_after=wallet.balance)


def approve_refund(db: Session, sale_id: int, operator_id: int,
                   external_key: str | None = None) -> Sale:
    """A second operator approves a held refund: it is paid out through its channel."""
    sale = _pending_refund(db, sale_id)
    if sale.operator_id == operator_id:
        raise RuleViolation("A refund must be approved by another operator.")
    payable = site_account(db, sale.site_id, AccountKind.REFUNDS_PAYABLE)
    clearing = site_account(db, sale.site_id, AccountKind.CLEARING, sale.channel)
    txn = post(db, site_id=sale.site_id, kind=TransactionKind.REFUND,
               legs=transfer(payable.id, clearing.id, sale.amount), reason="refund approved",
               operator_id=operator_id, external_key=external_key)
    sale.settled_transaction_id, sale.approved_by_id = txn.id, operator_id
    audit.record(db, "approve", "sales", sale.id)
    return _complete(db, sale)


def reject_refund(db: Session, sale_id: int, operator_id: int, reason: str = "",
                  external_key: str | None = None) -> Sale:
    """Turn down a held refund: the money goes back into the wallet."""
    sale = _pending_refund(db, sale_id)
    payable = site_account(db, sale.site_id, AccountKind.REFUNDS_PAYABLE)
    _, wallet = lock_account(db, sale.account_id)
    txn = post(db, site_id=sale.site_id, kind=TransactionKind.TRANSFER,
               legs=transfer(payable.id, wallet.id, sale.amount),
               reason=reason or "refund rejected", operator_id=operator_id,
               external_key=external_key, corrects_id=sale.transaction_id, locked=(wallet,))
    sale.settled_transaction_id, sale.approved_by_id = txn.id, operator_id
    sale.status, sale.completed_at = SaleStatus.REJECTED, utcnow()
    audit.record(db, "reject", "sales", sale.id, after={"reason": reason})
    db.flush()
    return sale


def _pending_refund(db: Session, sale_id: int) -> Sale:
    sale = _get_sale(db, sale_id, lock=True)
    if sale.kind != SaleKind.REFUND or sale.status != SaleStatus.PENDING:
        raise RuleViolation("This is not a refund awaiting approval.")
    return sale


def reverse(db: Session, sale_id: int, operator_id: int, external_key: str | None = None,
            reason: str = "") -> Sale:
    """冲正: take back a recharge made by the same operator in the same, still open, shift,
    while its credit is untouched (no consumption since, and the wallet still holds it)."""
    sale = _get_sale(db, sale_id, lock=True)
    if sale.kind != SaleKind.RECHARGE or sale.status != SaleStatus.COMPLETED:
        raise RuleViolation("Only a completed recharge can be reversed.")
    if sale.operator_id != operator_id:
        raise RuleViolation("Only the operator who made the sale can reverse it.")
    shift = shifts.current(db, operator_id, sale.site_id)
    if shift.id != sale.shift_id:
        raise RuleViolation("A sale can only be reversed in the shift it was made in.")
    clearing = site_account(db, sale.site_id, AccountKind.CLEARING, sale.channel)
    _, wallet = lock_account(db, sale.account_id)
    if wallet.balance < sale.amount or _consumed_since(db, wallet, sale.transaction_id):
        raise RuleViolation("The credit of this sale has already been used; refund it instead.")
    txn = post(db, site_id=sale.site_id, kind=TransactionKind.REVERSAL,
               legs=transfer(wallet.id, clearing.id, sale.amount), reason=reason or "reversal",
               operator_id=operator_id, external_key=external_key, corrects_id=sale.transaction_id,
               locked=(wallet,))
    sale.status = SaleStatus.REVERSED
    return _new_sale(db, completed=True, site_id=sale.site_id, account_id=sale.account_id,
                     kind=SaleKind.REVERSAL, channel=sale.channel, amount=sale.amount,
                     reason=reason, operator_id=operator_id, shift_id=shift.id,
                     transaction_id=txn.id, reverses_id=sale.id, balance_after=wallet.balance)


def _consumed_since(db: Session, wallet: LedgerAccount, transaction_id: int) -> bool:
    return db.scalar(
        select(Posting.id).join(LedgerTransaction, Posting.transaction_id == LedgerTransaction.id)
        .where(Posting.account_id == wallet.id, LedgerTransaction.id > transaction_id,
               LedgerTransaction.kind == TransactionKind.CONSUMPTION).limit(1)) is not None


def reprint(db: Session, sale_id: int) -> Sale:
    """Count a reprint of the receipt (the printed copy says which reprint it is)."""
    sale = _get_sale(db, sale_id, lock=True)
    if sale.receipt_number is None:
        raise RuleViolation("This sale has no receipt yet.")
    sale.reprint_count += 1
    audit.record(db, "reprint", "sales", sale.id, after={"reprint_count": sale.reprint_count})
    db.flush()
    return sale
