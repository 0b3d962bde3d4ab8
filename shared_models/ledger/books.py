"""Ledger accounts: the site's hot accounts, the tenant wallets, and balances from postings."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from shared_models.errors import NotFound
from shared_models.models import LedgerAccount, Posting, TenantAccount
from shared_models.models.ledger import AccountKind, Channel

# Every site has one of each, created with its first tenant account.
SITE_ACCOUNTS: tuple[tuple[AccountKind, Channel | None], ...] = (
    *((AccountKind.CLEARING, channel) for channel in Channel),
    (AccountKind.ENERGY_REVENUE, None),
    (AccountKind.REFUNDS_PAYABLE, None),
    (AccountKind.METER_HELD, None),
    (AccountKind.SUSPENSE, None),
)


def code_for(kind: AccountKind, channel: Channel | None = None) -> str:
    return f"{kind.value}:{channel.value}" if channel else kind.value


def site_account(db: Session, site_id: int, kind: AccountKind,
                 channel: Channel | None = None) -> LedgerAccount:
    """A hot account of the site, created on first use (a concurrent twin is tolerated)."""
    code = code_for(kind, channel)
    lookup = select(LedgerAccount).where(LedgerAccount.site_id == site_id, LedgerAccount.code == code)
    found = db.scalar(lookup)
    if found is not None:
        return found
    account = LedgerAccount(site_id=site_id, kind=kind, channel=channel, code=code)
    try:
        with db.begin_nested():
            db.add(account)
    except IntegrityError:
        return db.scalars(lookup).one()
    return account


def ensure_site_accounts(db: Session, site_id: int) -> None:
    for kind, channel in SITE_ACCOUNTS:
        site_account(db, site_id, kind, channel)


def open_wallet(db: Session, account: TenantAccount) -> LedgerAccount:
    wallet = LedgerAccount(site_id=account.site_id, kind=AccountKind.WALLET,
                           tenant_account_id=account.id, code=f"wallet:{account.number}",
                           balance=Decimal("0.00"))
    db.add(wallet)
    db.flush()
    return wallet


def wallet_of(db: Session, tenant_account_id: int, *, lock: bool = False) -> LedgerAccount:
    """The tenant account's wallet; `lock` holds its row until the transaction ends."""
    stmt = select(LedgerAccount).where(LedgerAccount.tenant_account_id == tenant_account_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    wallet = db.scalar(stmt)
    if wallet is None:
        raise NotFound("No such {what}.", what="wallet")
    return wallet


def lock_account(db: Session, tenant_account_id: int) -> tuple[TenantAccount, LedgerAccount]:
    """The tenant account and its wallet, read fresh and locked in one statement.

    Every path that checks an account's status and then moves money or meters takes this
    first, so the status it checks holds until it commits: a sale queued behind a committing
    close waits for it and then sees the account closed, never the status it read before.
    Lock order: account and wallet, then meter states (as settlement takes them)."""
    row = db.execute(select(TenantAccount, LedgerAccount)
                     .join(LedgerAccount, LedgerAccount.tenant_account_id == TenantAccount.id)
                     .where(TenantAccount.id == tenant_account_id)
                     .options(lazyload(TenantAccount.wallet))  # not selected again: it is here
                     .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if row is None:
        raise NotFound("No such {what}.", what="account")
    account, wallet = row
    set_committed_value(account, "wallet", wallet)
    return account, wallet


def derived_balance(db: Session, account_id: int) -> Decimal:
    """The balance as the postings say it is (the only balance hot accounts have)."""
    total = db.scalar(select(func.sum(Posting.amount)).where(Posting.account_id == account_id))
    return total if total is not None else Decimal("0.00")
