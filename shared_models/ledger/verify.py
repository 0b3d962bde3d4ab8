"""`ledger verify`: the invariants of the books, checked from the postings themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.models import LedgerAccount, LedgerTransaction, Posting
from shared_models.models.ledger import AccountKind


@dataclass(frozen=True)
class Problem:
    """One broken invariant: which check, and which row."""

    check: str
    subject_id: int | str
    detail: str


@dataclass
class Report:
    transactions: int = 0
    wallets: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: Session, site_id: int | None = None) -> Report:
    """Every transaction sums to zero over two or more postings within its own site, every
    wallet's kept balance equals the sum of its postings, and no external key is posted twice."""
    report = Report()

    def scoped(stmt, column):
        return stmt if site_id is None else stmt.where(column == site_id)

    report.transactions = db.scalar(scoped(select(func.count(LedgerTransaction.id)),
                                           LedgerTransaction.site_id)) or 0
    total = func.coalesce(func.sum(Posting.amount), 0)
    unbalanced = scoped(
        select(LedgerTransaction.id, total, func.count(Posting.id))
        .outerjoin(Posting, Posting.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id)
        .having((total != 0) | (func.count(Posting.id) < 2)), LedgerTransaction.site_id)
    for txn_id, amount, count in db.execute(unbalanced):
        report.problems.append(Problem("balanced", txn_id,
                                       f"{count} postings summing to {amount}"))
    crossing = scoped(
        select(Posting.id, LedgerTransaction.id)
        .join(LedgerTransaction, Posting.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .where(LedgerAccount.site_id != LedgerTransaction.site_id), LedgerTransaction.site_id)
    for posting_id, txn_id in db.execute(crossing):
        report.problems.append(Problem("same_site", txn_id,
                                       f"posting {posting_id} is in another site's account"))
    sums = (select(Posting.account_id, func.sum(Posting.amount).label("total"))
            .group_by(Posting.account_id).subquery())
    wallets = scoped(
        select(LedgerAccount.id, LedgerAccount.balance, sums.c.total)
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind == AccountKind.WALLET), LedgerAccount.site_id)
    for account_id, kept, posted in db.execute(wallets):
        report.wallets += 1
        posted = posted if posted is not None else 0
        if kept is None or kept != posted:
            report.problems.append(Problem("wallet_balance", account_id,
                                           f"kept balance {kept}, postings sum to {posted}"))
    twice = scoped(
        select(LedgerTransaction.site_id, LedgerTransaction.external_key, func.count())
        .where(LedgerTransaction.external_key.is_not(None))
        .group_by(LedgerTransaction.site_id, LedgerTransaction.external_key)
        .having(func.count() > 1), LedgerTransaction.site_id)
    for site, key, count in db.execute(twice):
        report.problems.append(Problem("external_key", key, f"posted {count} times at site {site}"))
    return report
