"""Ledger accounts: the site's hot accounts, the tenant wallets, and balances from postings."""

from __future__ import annotations

import weakref
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

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


# Hot accounts never change once created (no balance: it is derived), so each process keeps
# their rows per database: every sale and settlement names one. Only rows seen in a session
# bound to an engine are kept, and only once that session has committed, so a rolled-back
# first use (or a test's outer transaction) never leaves an id behind.
_HOT: weakref.WeakKeyDictionary[Engine, dict[tuple[int, str], dict[str, Any]]] = \
    weakref.WeakKeyDictionary()
_SEEN = "books.hot_accounts_seen"
_COLUMNS = tuple(column.key for column in LedgerAccount.__mapper__.column_attrs)


def _cached(db: Session, site_id: int, code: str) -> LedgerAccount | None:
    bind = db.get_bind()
    values = _HOT.get(bind, {}).get((site_id, code)) if isinstance(bind, Engine) else None
    if values is None:
        return None
    held = db.identity_map.get(identity_key(LedgerAccount, values["id"]))
    if held is not None:
        return held
    account = LedgerAccount(**values)
    make_transient_to_detached(account)  # persistent as loaded, without a read
    db.add(account)
    return account


def _seen(db: Session, account: LedgerAccount) -> LedgerAccount:
    if isinstance(db.get_bind(), Engine):
        if _SEEN not in db.info:  # kept when this session commits, dropped if it rolls back
            event.listen(db, "after_commit", _keep_seen, once=True)
            event.listen(db, "after_soft_rollback", _drop_seen, once=True)
        db.info.setdefault(_SEEN, []).append(
            ((account.site_id, account.code), {key: getattr(account, key) for key in _COLUMNS}))
    return account


def _keep_seen(db: Session) -> None:
    seen = db.info.pop(_SEEN, None)
    if seen:
        _HOT.setdefault(db.get_bind(), {}).update(seen)


def _drop_seen(db: Session, _previous) -> None:
    db.info.pop(_SEEN, None)


def site_account(db: Session, site_id: int, kind: AccountKind,
                 channel: Channel | None = None) -> LedgerAccount:
    """A hot account of the site, created on first use (a concurrent twin is tolerated)."""
    return account_by_code(db, site_id, kind, code_for(kind, channel), channel)


def account_by_code(db: Session, site_id: int, kind: AccountKind, code: str,
                    channel: Channel | None = None) -> LedgerAccount:
    """An account without a kept balance, by its code, created on first use (a concurrent
    twin is tolerated): the site's hot accounts, a postpaid account's unbilled and receivable."""
    cached = _cached(db, site_id, code)
    if cached is not None:
        return cached
    lookup = select(LedgerAccount).where(LedgerAccount.site_id == site_id, LedgerAccount.code == code)
    found = db.scalar(lookup)
    if found is not None:
        return _seen(db, found)
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


# Built once: every sale and close takes it (a counter sale with one more column, its shift).
LOCK_ACCOUNT = (select(TenantAccount, LedgerAccount)
                 .join(LedgerAccount, LedgerAccount.tenant_account_id == TenantAccount.id)
                 .where(TenantAccount.id == bindparam("a_id"))
                 .options(lazyload(TenantAccount.wallet))  # not selected again: it is here
                 .with_for_update().execution_options(populate_existing=True))


def lock_account(db: Session, tenant_account_id: int, *,
                 field: str | None = None) -> tuple[TenantAccount, LedgerAccount]:
    """The tenant account and its wallet, read fresh and locked in one statement.

    Every path that checks an account's status and then moves money or meters takes this
    first, so the status it checks holds until it commits: a sale queued behind a committing
    close waits for it and then sees the account closed, never the status it read before.
    Lock order: account and wallet, then meter states (as settlement takes them). `field`
    names the request field the id came in (a missing account is then refused as that field)."""
    row = db.execute(LOCK_ACCOUNT, {"a_id": tenant_account_id}).one_or_none()
    return locked_pair(row, field)


def locked_pair(row, field: str | None = None) -> tuple[TenantAccount, LedgerAccount]:
    """The account and wallet of a row of `LOCK_ACCOUNT` (or of a statement built on it)."""
    if row is None:
        raise NotFound("No such {what}.", field=field, what="account")
    account, wallet = row[0], row[1]
    set_committed_value(account, "wallet", wallet)
    return account, wallet


def derived_balance(db: Session, account_id: int) -> Decimal:
    """The balance as the postings say it is (the only balance hot accounts have)."""
    total = db.scalar(select(func.sum(Posting.amount)).where(Posting.account_id == account_id))
    return total if total is not None else Decimal("0.00")
