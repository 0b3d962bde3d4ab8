"""A postpaid account's two ledger accounts, and where settlement books its consumption.

A postpaid account's consumption is booked from its unbilled account (应收未出账) instead of
its wallet; a released bill moves it on to its receivable account (应收电费). Both run
negative by what the tenant owes (money out of them into revenue), and, like the site's hot
accounts, keep no balance: it is the sum of their postings. The wallet stays the tenant's
prepayment (电费预存), which settles bills at release.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared_models.ledger.books import account_by_code, derived_balance
from shared_models.models import LedgerAccount, TenantAccount
from shared_models.models.accounts import BillingMode
from shared_models.models.ledger import AccountKind


def unbilled_of(db: Session, account: TenantAccount) -> LedgerAccount:
    return account_by_code(db, account.site_id, AccountKind.UNBILLED, f"unbilled:{account.number}")


def receivable_of(db: Session, account: TenantAccount) -> LedgerAccount:
    return account_by_code(db, account.site_id, AccountKind.RECEIVABLE, f"receivable:{account.number}")


def owed(db: Session, ledger_account: LedgerAccount) -> object:
    """What the tenant owes on an unbilled or receivable account (a positive amount)."""
    return -derived_balance(db, ledger_account.id)


def consumption_source(db: Session, account: TenantAccount, wallet: LedgerAccount) -> LedgerAccount:
    """The account settlement takes an account's consumption from: the wallet (prepaid) or the
    unbilled account (postpaid). The one place the billing mode reaches settlement."""
    if account.billing_mode == BillingMode.POSTPAID:
        return unbilled_of(db, account)
    return wallet
