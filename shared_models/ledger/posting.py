"""The posting service: the one way money is written into the ledger."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.errors import RuleViolation
from shared_models.ledger.rules import DuplicateExternalKey, Leg, check_legs, wallet_after
from shared_models.models import LedgerAccount, LedgerTransaction, Posting
from shared_models.models.ledger import AccountKind, TransactionKind


def post(
    db: Session,
    *,
    site_id: int,
    kind: TransactionKind,
    legs: Iterable[Leg],
    reason: str = "",
    operator_id: int | None = None,
    external_key: str | None = None,
    corrects_id: int | None = None,
    may_overdraw: Collection[int] = (),
) -> LedgerTransaction:
    """Write one balanced transaction and move the wallets it touches, under their row locks.

    Wallets are locked in id order (so two postings never deadlock) and may not go below zero
    unless listed in `may_overdraw` (consumption runs into arrears). Hot accounts are not
    locked or updated: their balances are derived from postings.
    """
    legs = check_legs(legs)
    # Callers have usually just loaded these accounts: get() takes them from the session.
    ids = {leg.account_id for leg in legs}
    accounts = {i: account for i in ids if (account := db.get(LedgerAccount, i)) is not None}
    if len(accounts) != len(ids):
        raise RuleViolation("A posting names a ledger account that does not exist.")
    if any(account.site_id != site_id for account in accounts.values()):
        raise RuleViolation("A transaction cannot cross sites.")
    wallets = _lock_wallets(db, [a.id for a in accounts.values() if a.kind == AccountKind.WALLET])
    if external_key is not None and db.scalar(select(LedgerTransaction.id).where(
            LedgerTransaction.site_id == site_id, LedgerTransaction.external_key == external_key)):
        raise DuplicateExternalKey("The external key {key} was already posted.", key=external_key)
    for leg in legs:
        if leg.account_id in wallets:
            wallet = wallets[leg.account_id]
            wallet.balance = wallet_after(wallet.balance, leg.amount,
                                          may_overdraw=leg.account_id in may_overdraw)
    transaction = LedgerTransaction(site_id=site_id, kind=kind, reason=reason[:255],
                                    operator_id=operator_id, external_key=external_key,
                                    corrects_id=corrects_id)
    transaction.postings = [Posting(account_id=leg.account_id, amount=leg.amount) for leg in legs]
    db.add(transaction)
    db.flush()
    return transaction


def _lock_wallets(db: Session, ids: list[int]) -> dict[int, LedgerAccount]:
    if not ids:
        return {}
    stmt = (select(LedgerAccount).where(LedgerAccount.id.in_(ids)).order_by(LedgerAccount.id)
            .with_for_update().execution_options(populate_existing=True))
    return {wallet.id: wallet for wallet in db.scalars(stmt)}
