"""The posting service: the one way money is written into the ledger.

`post_many` writes a batch of transactions (settlement posts a bus's consumption at once) with a
few Core statements: the transactions in one insert that skips external keys already posted
(the UNIQUE constraint decides, so a concurrent poster of the same key is seen too), their
postings in one insert, and each wallet's stored balance once; on PostgreSQL all three are one
statement (`one_statement`). `post` is the one-transaction form of the same code.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from shared_models.errors import RuleViolation
from shared_models.ledger import one_statement
from shared_models.ledger.rules import (
    DuplicateExternalKey,
    InsufficientBalance,
    Leg,
    check_legs,
    wallet_after,
)
from shared_models.models import LedgerAccount, LedgerTransaction, Posting
from shared_models.models.ledger import AccountKind, TransactionKind
from shared_models.types import utcnow

TRANSACTIONS = LedgerTransaction.__table__
POSTINGS = Posting.__table__
_BALANCE = (update(LedgerAccount.__table__).where(LedgerAccount.__table__.c.id == bindparam("w_id"))
            .values(balance=bindparam("w_balance")))


@dataclass(frozen=True)
class Entry:
    """One balanced transaction to post."""

    site_id: int
    kind: TransactionKind
    legs: Sequence[Leg]
    reason: str = ""
    operator_id: int | None = None
    external_key: str | None = None
    corrects_id: int | None = None
    may_overdraw: Collection[int] = field(default=())


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
    locked: Collection[LedgerAccount] = (),
) -> LedgerTransaction:
    """Write one balanced transaction and move the wallets it touches, under their row locks.

    Wallets are locked in id order (so two postings never deadlock) and may not go below zero
    unless listed in `may_overdraw` (consumption runs into arrears). Hot accounts are not
    locked or updated: their balances are derived from postings. An external key already
    posted raises `DuplicateExternalKey`, with nothing written. `locked`: wallets the caller
    already holds locked, read fresh under the lock in this transaction (`lock_account`).
    """
    entry = Entry(site_id, kind, list(legs), reason, operator_id, external_key, corrects_id, may_overdraw)
    written = _write(db, [entry], {wallet.id: wallet for wallet in locked})
    if not written:
        raise DuplicateExternalKey("The external key {key} was already posted.", key=external_key)
    return _attached(db, LedgerTransaction(id=written[0][0], **written[0][1]))


def post_many(db: Session, entries: Sequence[Entry], *,
              locked: Mapping[int, LedgerAccount] | None = None) -> list[int]:
    """Write each entry as `post` does, skipping those whose external key is already posted
    (a replay is a no-op). Returns the ids of the transactions written, in the entries' order.
    On a rule violation (an overdrawn wallet) the caller's transaction must be rolled back.
    `locked`: wallets the caller already holds locked (read fresh under the lock in this
    transaction), by id; they are not selected again."""
    return [txn_id for txn_id, _row in _write(db, entries, locked or {})]


def _write(db: Session, entries: Sequence[Entry],
           locked: Mapping[int, LedgerAccount]) -> list[tuple[int, dict]]:
    """The transactions written: (id, inserted values) each."""
    if not entries:
        return []
    db.flush()  # Core statements follow: the rows they refer to must be in the database
    legs = [check_legs(entry.legs) for entry in entries]
    wallets = _wallets(db, entries, legs, locked)
    at = utcnow()
    rows = [{"site_id": e.site_id, "kind": e.kind, "reason": e.reason[:255], "operator_id": e.operator_id,
             "external_key": e.external_key, "corrects_id": e.corrects_id, "created_at": at}
            for e in entries]
    start = {wallet_id: wallet.balance for wallet_id, wallet in wallets.items()}
    one = db.get_bind().dialect.name == "postgresql"
    if one:
        try:  # checked before the one statement writes anything, as if every key were new
            _balances_after(entries, legs, start, [0] * len(entries))
        except InsufficientBalance:
            one = False  # a key already posted may be why: insert first and see, as on SQLite
    if one:
        ids, written_balances = one_statement.write(db, rows, legs, sorted(wallets))
    else:
        ids, written_balances = _insert_transactions(db, rows), None
    # Only the entries written move money. On PostgreSQL a refusal now (an entry checked above
    # was skipped as posted before) comes after the write: the caller's transaction, which must
    # be rolled back on any rule violation, takes it back.
    moved = {i: b for i, b in _balances_after(entries, legs, start, ids).items() if b != start[i]}
    written = [(txn_id, row) for txn_id, row in zip(ids, rows, strict=True) if txn_id is not None]
    if written_balances is None:
        postings = [{"transaction_id": txn_id, "account_id": leg.account_id, "amount": leg.amount}
                    for txn_id, entry_legs in zip(ids, legs, strict=True) if txn_id is not None
                    for leg in entry_legs]
        if postings:
            db.execute(insert(POSTINGS), postings)
        if moved:
            db.execute(_BALANCE, [{"w_id": i, "w_balance": b} for i, b in moved.items()])
    elif {i: b for i, b in written_balances.items() if b != start[i]} != moved:
        raise RuntimeError(f"wallet balances written {written_balances} differ from the ledger's {moved}")
    for wallet_id, balance in moved.items():
        set_committed_value(wallets[wallet_id], "balance", balance)
    return written


def _balances_after(entries: Sequence[Entry], legs: list[list[Leg]], start: Mapping[int, Decimal],
                    ids: Sequence[int | None]) -> dict[int, Decimal]:
    """The wallets' balances after the entries with an id, posted in order; refused if one
    would go below zero where its entry does not allow it."""
    balances = dict(start)
    for entry, entry_legs, txn_id in zip(entries, legs, ids, strict=True):
        if txn_id is None:
            continue  # already posted
        for leg in entry_legs:
            if leg.account_id in balances:
                balances[leg.account_id] = wallet_after(balances[leg.account_id], leg.amount,
                                                        may_overdraw=leg.account_id in entry.may_overdraw)
    return balances


def _wallets(db: Session, entries: Sequence[Entry], legs: list[list[Leg]],
             locked: Mapping[int, LedgerAccount]) -> dict[int, LedgerAccount]:
    """The accounts the legs name, checked; the wallets among them locked and read fresh."""
    # Callers have usually just loaded these accounts: the wallets they locked are given, the
    # rest get() takes from the session.
    ids = {leg.account_id for entry_legs in legs for leg in entry_legs}
    given = {i: locked[i] for i in ids if i in locked}
    missing = [i for i in ids if i not in given
               and db.identity_map.get(db.identity_key(LedgerAccount, i)) is None]
    if missing:
        db.scalars(select(LedgerAccount).where(LedgerAccount.id.in_(missing))).all()
    accounts = {**given, **{i: account for i in ids
                            if i not in given and (account := db.get(LedgerAccount, i)) is not None}}
    if len(accounts) != len(ids):
        raise RuleViolation("A posting names a ledger account that does not exist.")
    for entry, entry_legs in zip(entries, legs, strict=True):
        if any(accounts[leg.account_id].site_id != entry.site_id for leg in entry_legs):
            raise RuleViolation("A transaction cannot cross sites.")
    wallets = [a.id for a in accounts.values() if a.kind == AccountKind.WALLET]
    return {**{i: locked[i] for i in wallets if i in locked},
            **_lock_wallets(db, sorted(i for i in wallets if i not in locked))}


def _insert_transactions(db: Session, rows: list[dict]) -> list[int | None]:
    """Insert the transactions; the id of each, None for a key already posted. Keyed rows go
    in one statement that skips conflicts; rows without a key in one in parameter order."""
    ids: list[int | None] = [None] * len(rows)
    keyed = [n for n, row in enumerate(rows) if row["external_key"] is not None]
    plain = [n for n, row in enumerate(rows) if row["external_key"] is None]
    if keyed:
        dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (dialect.insert(TRANSACTIONS).on_conflict_do_nothing()
                .returning(TRANSACTIONS.c.id, TRANSACTIONS.c.site_id, TRANSACTIONS.c.external_key))
        found = {(site_id, key): txn_id for txn_id, site_id, key in
                 db.execute(stmt, [rows[n] for n in keyed])}
        for n in keyed:
            ids[n] = found.get((rows[n]["site_id"], rows[n]["external_key"]))
    if plain:
        stmt = insert(TRANSACTIONS).returning(TRANSACTIONS.c.id, sort_by_parameter_order=True)
        for n, txn_id in zip(plain, db.execute(stmt, [rows[n] for n in plain]).scalars(), strict=True):
            ids[n] = txn_id
    return ids


def _attached(db: Session, transaction: LedgerTransaction) -> LedgerTransaction:
    """The row just inserted as a persistent object, without reading it back (its postings
    load when first used)."""
    make_transient_to_detached(transaction)
    db.add(transaction)
    return transaction


def _lock_wallets(db: Session, ids: list[int]) -> dict[int, LedgerAccount]:
    if not ids:
        return {}
    stmt = (select(LedgerAccount).where(LedgerAccount.id.in_(ids)).order_by(LedgerAccount.id)
            .with_for_update().execution_options(populate_existing=True))
    return {wallet.id: wallet for wallet in db.scalars(stmt)}


